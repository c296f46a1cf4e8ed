"""Live events: what happened, and which users should hear about it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from chat_service.domain.models import Message


class EventType(StrEnum):
    MESSAGE_CREATED = "message.created"
    MESSAGE_UPDATED = "message.updated"
    MESSAGE_DELETED = "message.deleted"
    MEMBER_JOINED = "conversation.member_joined"
    MEMBER_LEFT = "conversation.member_left"
    READ = "conversation.read"
    TYPING = "typing"


# Events that are only live: never kept for catching up (`/sync` leaves them out).
EPHEMERAL_EVENTS = frozenset({EventType.TYPING})


@dataclass(frozen=True, slots=True)
class Event:
    type: EventType
    recipients: tuple[str, ...]
    conversation_id: uuid.UUID
    message: Message | None = None  # message.* events
    username: str | None = None  # membership and read events
    message_id: uuid.UUID | None = None  # read events
    usernames: tuple[str, ...] | None = None  # typing: everyone typing in the conversation
