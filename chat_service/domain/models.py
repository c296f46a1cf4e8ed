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
    # Accounts by email (read from `users_by_id`; other reads leave the defaults).
    email: str | None = None
    email_verified: bool = False
    # Changes whenever every session of the account ends; tokens carry the one they were
    # issued under (0: never changed).
    token_generation: int = 0


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

    __slots__ = ("marks", "memo", "quoted", "quoted_with")

    def __init__(self, messages: Iterable[Message] = ()) -> None:
        super().__init__(messages)
        self.memo: Any = None
        self.quoted: SharedMessages | None = None
        # What `quoted` took from outside the page (None: nothing), valid while unchanged.
        self.quoted_with: object = None
        # What the marks reader derives from exactly these messages (`repos/marks.py`):
        # their ranges, and each reader's marks while the memories they came from last.
        self.marks: Any = None


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


class EmailPurpose(StrEnum):
    VERIFY = "verify"
    RESET = "reset"


@dataclass(frozen=True, slots=True)
class EmailToken:
    """What an emailed token stands for; only its digest is stored."""

    purpose: EmailPurpose
    user_id: uuid.UUID
    email: str
    token_generation: int
    expires_at_ns: int


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    recipient: str
    subject: str
    text: str
    html: str


@dataclass(frozen=True, slots=True)
class QueuedMail:
    """A message in the outbox."""

    id: uuid.UUID
    mail: OutgoingMail | None  # None once the message expired (its TTL): delete it unsent
    attempts: int
    not_before_ns: int


class Registration(StrEnum):
    """How storing a new account ended."""

    CREATED = "created"
    USERNAME_TAKEN = "username_taken"
    EMAIL_TAKEN = "email_taken"


@dataclass(frozen=True, slots=True)
class ReactionCount:
    """One emoji of a message's reaction summary, as one viewer sees it."""

    emoji: str
    count: int
    me: bool


@dataclass(frozen=True, slots=True)
class MessageMarks:
    """What a message shows beside its stored copy: its reactions and whether it is pinned.
    Kept apart from `Message` because it changes without the message (and `me` depends on
    who reads)."""

    reactions: tuple[ReactionCount, ...] = ()
    pinned: bool = False


NO_MARKS = MessageMarks()


class PageMarks(dict[int, MessageMarks]):
    """The marks of a page's messages, by message id as an int; messages without any are
    absent, so an empty mapping means the page renders as it always did."""

    __slots__ = ("memo",)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        # Where a reader may keep what it derives from exactly these marks of one list of
        # messages (the API keeps the page's JSON with the list it was made for).
        self.memo: Any = None

    def of(self, message: Message) -> MessageMarks:
        return self.get(message.id.int, NO_MARKS)


@dataclass(frozen=True, slots=True)
class Pin:
    message_id: uuid.UUID
    pinned_by: str
    pinned_at_ns: int


@dataclass(frozen=True, slots=True)
class Presence:
    username: str
    online: bool
    last_seen_ns: int | None  # when the last device closed, to the minute; None while online
