"""The services a request handler may call, built once by `app.py`."""

from __future__ import annotations

from dataclasses import dataclass

from chat_service.services.account_email import AccountEmailService
from chat_service.services.accounts import AccountService
from chat_service.services.direct_messages import DirectMessageService
from chat_service.services.edit_history import EditHistoryService
from chat_service.services.health import HealthService
from chat_service.services.history import HistoryService
from chat_service.services.inbox import InboxService
from chat_service.services.members import MembershipService
from chat_service.services.mentions import MentionService
from chat_service.services.message_commands import MessageService
from chat_service.services.pins import PinService
from chat_service.services.presence import PresenceService
from chat_service.services.reactions import ReactionService
from chat_service.services.read_markers import ReadMarkerService
from chat_service.services.search import SearchService
from chat_service.services.sync import SyncService
from chat_service.services.typing import TypingService


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
    account_email: AccountEmailService  # verification, reset, password change, logout-all
    reactions: ReactionService  # add, remove, who reacted
    pins: PinService  # pin, unpin, the pinned messages
    edit_history: EditHistoryService  # the earlier texts of a message
    mentions: MentionService  # the messages that mention the caller
    search: SearchService  # message search in a conversation or the caller's DMs
    typing: TypingService  # typing indicators
    presence: PresenceService  # who is online, and when they were last seen
    sync: SyncService  # catching up: GET /sync
