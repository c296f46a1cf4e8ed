"""The services a request handler may call, built once by `app.py`."""

from __future__ import annotations

from dataclasses import dataclass

from chat_service.services.accounts import AccountService
from chat_service.services.direct_messages import DirectMessageService
from chat_service.services.health import HealthService
from chat_service.services.history import HistoryService
from chat_service.services.inbox import InboxService
from chat_service.services.members import MembershipService
from chat_service.services.message_commands import MessageService
from chat_service.services.read_markers import ReadMarkerService
from chat_service.services.sync import SyncService


@dataclass(frozen=True)
class Services:
    health: HealthService
    accounts: AccountService
    direct_messages: DirectMessageService
    membership: MembershipService  # groups: create, detail, join, members and roles
    inbox: InboxService  # the conversation list
    history: HistoryService  # a conversation's pages and single messages
    messages: MessageService  # post, edit, delete in a conversation
    read_markers: ReadMarkerService
    sync: SyncService  # catching up: GET /sync
