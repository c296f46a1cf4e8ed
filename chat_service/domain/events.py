"""Live events: what happened, and which users should hear about it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
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


# Never logged for /sync and carrying no stream_id: typing, and ended sessions (which only
# tell processes to forget a session generation).
EPHEMERAL_EVENTS: frozenset[EventType] = frozenset({EventType.TYPING, EventType.SESSIONS_ENDED})


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
    change_id: uuid.UUID | None = None  # its place in the streams (/sync); set once logged
    generation: int | None = None  # account.sessions_ended: the account's new generation


# Heard only by the recipients' own devices: logged in each recipient's own stream.
PERSONAL_EVENTS: frozenset[EventType] = frozenset({EventType.READ})
# Make in-process caches stale (members, rosters, session generations, reactions and pins,
# and the quotes of replies: edits and deletes): every process hears them, whoever is
# connected to it.
CACHE_EVENTS: frozenset[EventType] = frozenset(
    {
        EventType.MEMBER_JOINED,
        EventType.MEMBER_LEFT,
        EventType.SESSIONS_ENDED,
        EventType.REACTIONS,
        EventType.PINS,
        EventType.MESSAGE_DELETED,
        EventType.MESSAGE_UPDATED,
    }
)


def conversation_stream(conversation_id: uuid.UUID) -> str:
    """The change log every member of a conversation reads."""
    return f"c:{conversation_id}"


def user_stream(username: str) -> str:
    """The change log of one user's own events (read markers, their own removal)."""
    return f"u:{username}"


def streams_of(event: Event) -> tuple[str, ...]:
    """The change logs an event is written to: its conversation's, or for a personal event
    its recipients' own; who is removed also gets it in their own log, since they no longer
    read the conversation's."""
    if event.type in PERSONAL_EVENTS:
        return tuple(user_stream(name) for name in event.recipients)
    if event.type is EventType.MEMBER_LEFT and event.username is not None:
        return (conversation_stream(event.conversation_id), user_stream(event.username))
    return (conversation_stream(event.conversation_id),)


def pins_changed(
    message: Message, audience: Sequence[str], pinned: bool, by: str | None = None
) -> Event:
    """`conversation.pins`: `message` was pinned or unpinned, `by` whom (None when deleting
    the message unpinned it)."""
    return Event(
        EventType.PINS,
        tuple(audience),
        message.conversation_id,
        message_id=message.id,
        username=by,
        pinned=pinned,
    )
