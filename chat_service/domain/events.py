"""Live events: what happened, and which users should hear about it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from chat_service.domain.models import Message, ReactionCount


class EventType(StrEnum):
    MESSAGE_CREATED = "message.created"
    MESSAGE_UPDATED = "message.updated"
    MESSAGE_DELETED = "message.deleted"
    MEMBER_JOINED = "conversation.member_joined"
    MEMBER_LEFT = "conversation.member_left"
    READ = "conversation.read"
    # Every session of an account ended (logout-all, password change or reset): each process
    # forgets the account's cached session generation and closes its sockets. Never sent to
    # clients; `conversation_id` is the nil UUID.
    SESSIONS_ENDED = "account.sessions_ended"
    REACTIONS = "message.reactions"
    PINS = "conversation.pins"
    TYPING = "typing"


# Events that are only live: never kept for catching up (`/sync` leaves them out).
EPHEMERAL_EVENTS = frozenset({EventType.TYPING, EventType.SESSIONS_ENDED})


@dataclass(frozen=True, slots=True)
class Event:
    type: EventType
    recipients: tuple[str, ...]
    conversation_id: uuid.UUID
    message: Message | None = None  # message.* events
    username: str | None = None  # membership and read events
    message_id: uuid.UUID | None = None  # read, reaction and pin events
    # message.reactions: the summary (`me` is left False: a broadcast has no one viewer;
    # clients compare `username`, the reactor, with themselves), the emoji and whether it
    # was added; conversation.pins: `pinned` says whether the message was pinned or unpinned.
    reactions: tuple[ReactionCount, ...] | None = None
    emoji: str | None = None
    added: bool | None = None
    pinned: bool | None = None
    usernames: tuple[str, ...] | None = None  # typing: everyone typing in the conversation
