"""The service's value types. Times are nanoseconds since the Unix epoch."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple


@dataclass(frozen=True, slots=True)
class User:
    id: uuid.UUID
    username: str
    created_at_ns: int


@dataclass(frozen=True, slots=True)
class UserCredentials:
    user: User
    password_hash: bytes


class MessageKind(StrEnum):
    MESSAGE = "message"
    MEMBER_JOINED = "member_joined"
    MEMBER_LEFT = "member_left"


@dataclass(frozen=True, slots=True)
class Attachment:
    type: str
    url: str


@dataclass(frozen=True, slots=True)
class Message:
    id: uuid.UUID
    conversation_id: uuid.UUID
    sender: str
    recipient: str | None
    content: str | None
    kind: MessageKind = MessageKind.MESSAGE
    attachment: Attachment | None = None
    edited_at_ns: int | None = None
    deleted: bool = False
    # Replies and mentions (issue #18). `reply_to_id` is what is stored; `reply_to` is the
    # quoted message as it is now, resolved when the message is read (`repos/quotes.py`).
    reply_to_id: uuid.UUID | None = None
    reply_to: Quote | None = None
    mentions: tuple[str, ...] = ()


QUOTE_CONTENT_MAX = 200


@dataclass(frozen=True, slots=True)
class Quote:
    """The message a reply quotes, as it is now: its first 200 characters, none once deleted."""

    id: uuid.UUID
    sender: str
    content: str | None
    deleted: bool

    @classmethod
    def make(cls, id: uuid.UUID, sender: str, content: str | None, deleted: bool) -> Quote:
        shown = None if deleted or content is None else content[:QUOTE_CONTENT_MAX]
        return cls(id, sender, shown, deleted)

    @classmethod
    def of(cls, message: Message) -> Quote:
        return cls.make(message.id, message.sender, message.content, message.deleted)


class Unread(NamedTuple):
    """A conversation's unread messages for one reader, and how many of them mention them."""

    messages: int
    mentions: int


@dataclass(frozen=True, slots=True)
class Version:
    """One text a message has had, and since when (its send time for the first)."""

    content: str
    edited_at_ns: int


class SharedMessages(list[Message]):
    """A page of messages handed to every reader of the same unchanged cached page: never
    mutate it. `memo` is where a reader may keep what it derives from exactly these
    messages (the API keeps their JSON), valid for as long as the list lives; `quoted` the
    same page with the quotes of its replies when the page itself holds every quoted message
    (`repos/quotes.py`)."""

    __slots__ = ("memo", "quoted")

    def __init__(self, messages: Iterable[Message] = ()) -> None:
        super().__init__(messages)
        self.memo: Any = None
        self.quoted: SharedMessages | None = None


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    access_expires_at_ns: int
    refresh_token: str
    user: User


class ConversationType(StrEnum):
    DIRECT = "direct"
    GROUP = "group"


class Role(StrEnum):
    ADMIN = "admin"
    MEMBER = "member"


@dataclass(frozen=True, slots=True)
class Conversation:
    id: uuid.UUID
    type: ConversationType
    name: str | None
    created_by: str
    is_private: bool
    created_at_ns: int


@dataclass(frozen=True, slots=True)
class Member:
    username: str
    role: Role
    joined_at_ns: int
    last_read_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class UserConversation:
    """A row of a user's conversation list, as stored."""

    conversation_id: uuid.UUID
    type: ConversationType
    name: str | None
    peer: str | None
    joined_at_ns: int | None
    last_activity_id: uuid.UUID | None
    last_read_id: uuid.UUID | None


@dataclass(frozen=True, slots=True)
class ConversationSummary:
    """An item of the conversation list."""

    id: uuid.UUID
    type: ConversationType
    name: str | None
    peer: str | None
    last_message: Message | None
    unread_count: int
    updated_at_ns: int
    mention_count: int = 0  # unread messages that mention the caller
