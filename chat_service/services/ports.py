"""The ports the services use: what they need of the stores, the read API, the writer,
the rate limits and the bus. `app.py` plugs in the real ones; the unit tests plug in the
in-memory fakes of `tests/unit/fakes/`."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Sequence
from typing import Protocol

from chat_service.domain.models import (
    Conversation,
    EmailToken,
    Member,
    Message,
    MessageMarks,
    OutgoingMail,
    PageMarks,
    Pin,
    Registration,
    Role,
    Unread,
    User,
    UserConversation,
    UserCredentials,
)
from chat_service.domain.reactions import MessageReactions
from chat_service.domain.timelines import Direction, NumberedPage, Timeline, TimelinePage
from chat_service.services.messaging import Draft, EventPublisher, Target

__all__ = [
    "ConversationStore",
    "EmailTokens",
    "EventPublisher",
    "MailQueue",
    "MarkChanges",
    "MarksSource",
    "MessagePoster",
    "PinStore",
    "ReactionStore",
    "RefreshTokens",
    "SendLimits",
    "TimelineReader",
    "UserAccounts",
    "UserLookup",
]


class UserLookup(Protocol):
    async def by_username(self, username: str) -> User | None: ...


class UserAccounts(UserLookup, Protocol):
    async def insert(self, credentials: UserCredentials) -> Registration: ...
    async def credentials(self, username: str) -> UserCredentials | None: ...
    async def by_id(self, user_id: uuid.UUID) -> User | None: ...
    async def search(self, prefix: str, after: str, limit: int) -> list[tuple[uuid.UUID, str]]: ...
    async def id_by_email(self, email: str) -> uuid.UUID | None: ...
    async def set_password(self, username: str, password_hash: bytes) -> None: ...
    async def mark_email_verified(self, user_id: uuid.UUID) -> None: ...


class RefreshTokens(Protocol):
    async def insert(
        self, digest: bytes, user_id: uuid.UUID, username: str, generation: int, ttl_s: int
    ) -> None: ...
    async def spend(self, digest: bytes) -> tuple[uuid.UUID, str, int] | None: ...


class EmailTokens(Protocol):
    async def insert(self, digest: bytes, token: EmailToken, ttl_s: int) -> None: ...
    async def spend(self, digest: bytes) -> EmailToken | None: ...


class MailQueue(Protocol):
    """Mail to be sent in the background (`services/mail_delivery.py`)."""

    async def queue(self, mail: OutgoingMail, ttl_s: int) -> None: ...


class ConversationStore(Protocol):
    async def get(self, conversation_id: uuid.UUID) -> Conversation | None: ...
    async def member(self, conversation_id: uuid.UUID, username: str) -> Member | None: ...
    async def members(self, conversation_id: uuid.UUID) -> list[Member]: ...
    async def create_group(self, conversation: Conversation, members: list[Member]) -> None: ...
    async def add_member(self, conversation: Conversation, member: Member) -> None: ...
    async def set_role(self, conversation_id: uuid.UUID, username: str, role: Role) -> bool: ...
    async def remove_member(self, conversation_id: uuid.UUID, username: str) -> None: ...
    async def user_conversations(self, username: str) -> list[UserConversation]: ...
    async def mark_read(
        self, username: str, conversation_id: uuid.UUID, message_id: uuid.UUID
    ) -> None: ...


class TimelineReader(Protocol):
    """The one timeline read API (`repos/timeline_pages.py`)."""

    def page(
        self, timeline: Timeline, cursor: uuid.UUID | None, direction: Direction, limit: int
    ) -> Awaitable[TimelinePage]: ...
    async def numbered_page(
        self, timeline: Timeline, position: int | uuid.UUID, size: int
    ) -> NumberedPage: ...
    async def message(self, timeline: Timeline, message_id: uuid.UUID) -> Message | None: ...
    async def count_unread(
        self,
        timeline: Timeline,
        read_up_to: uuid.UUID | None,
        newest: uuid.UUID,
        reader: str,
        cap: int,
    ) -> Unread: ...


class MessagePoster(Protocol):
    """The write side of a message (`services/messaging.py` MessageWriter)."""

    async def post(self, target: Target, draft: Draft) -> Message: ...
    async def stored_retry(
        self, sender: str, retry_key: str, conversation_id: uuid.UUID
    ) -> Message | None: ...
    async def edit(
        self,
        message: Message,
        content: str,
        edited_at_ns: int,
        audience: Sequence[str],
        mentions: tuple[str, ...] = (),
    ) -> Message | None: ...
    async def delete(self, message: Message, audience: Sequence[str]) -> Message: ...


class SendLimits(Protocol):
    async def take_send(self, username: str) -> None: ...


# Reactions and pins (issue #18).


class ReactionStore(Protocol):
    """`repos.reactions.ReactionRepository`."""

    async def add(
        self, message: Message, emoji: str, username: str, at_ns: int, copies: Sequence[str]
    ) -> None: ...
    async def remove(
        self, message: Message, emoji: str, username: str, copies: Sequence[str]
    ) -> None: ...
    async def clear(self, message: Message, copies: Sequence[str]) -> None: ...
    async def emoji_of(self, message_id: uuid.UUID, username: str) -> set[str]: ...
    async def of_message(self, message: Message) -> MessageReactions: ...
    async def reactors(
        self, message: Message, emoji: str, after: str, limit: int
    ) -> tuple[list[str], bool]: ...


class PinStore(Protocol):
    """`repos.pins.PinRepository`."""

    async def pin(self, message: Message, by: str, at_ns: int, copies: Sequence[str]) -> None: ...
    async def unpin(self, message: Message, copies: Sequence[str]) -> None: ...
    async def pins(self, conversation_id: uuid.UUID) -> list[Pin]: ...


class MarkChanges(Protocol):
    """`repos.marks_memory.MarksMemory`: this process forgets what it remembers of these
    timelines' marks (after the change is stored; other processes hear the event)."""

    def changed(self, timelines: Sequence[str]) -> None: ...


class MarksSource(Protocol):
    """`repos.marks.MarksReader`."""

    async def page_marks(
        self,
        timeline: Timeline,
        messages: Sequence[Message],
        viewer: str,
        newest_first: bool = True,
    ) -> PageMarks: ...
    async def message_marks(self, message: Message, viewer: str | None) -> MessageMarks: ...
