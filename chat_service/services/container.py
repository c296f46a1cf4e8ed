"""The services a request handler may call, built once by `app.py`."""

from __future__ import annotations

from dataclasses import dataclass

from chat_service.services.accounts import AccountService
from chat_service.services.conversations import ConversationService
from chat_service.services.direct_messages import DirectMessageService
from chat_service.services.health import HealthService


@dataclass(frozen=True)
class Services:
    health: HealthService
    accounts: AccountService
    direct_messages: DirectMessageService
    conversations: ConversationService
