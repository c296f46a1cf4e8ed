"""The service's value types. Times are nanoseconds since the Unix epoch."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


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


class SharedMessages(list[Message]):
    """A page of messages handed to every reader of the same unchanged cached page: never
    mutate it. `memo` is where a reader may keep what it derives from exactly these
    messages (the API keeps their JSON), valid for as long as the list lives."""

    __slots__ = ("memo",)

    def __init__(self, messages: Iterable[Message] = ()) -> None:
        super().__init__(messages)
        self.memo: Any = None


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


@dataclass(frozen=True, slots=True)
class Presence:
    username: str
    online: bool
    last_seen_ns: int | None  # when the last device closed, to the minute; None while online
