"""The ports the write side depends on, as Protocols: the repositories, the recent-history
cache and the event bus implement them, and the unit tests' in-memory fakes
(`tests/unit/fakes/`) stand in for them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Protocol

from chat_service.domain.events import Event
from chat_service.domain.models import Message


class MessageStore(Protocol):
    """Where messages are stored (`repos.messages.MessageRepository`)."""

    async def reserve_client_id(
        self, sender: str, client_message_id: str, conversation_id: uuid.UUID, message_id: uuid.UUID
    ) -> tuple[uuid.UUID, uuid.UUID]: ...

    async def store(
        self,
        message: Message,
        copies: Sequence[str] = (),
        *,
        activity_for: Sequence[str] = (),
        read_marker_for: str | None = None,
        direct_between: tuple[str, str] | None = None,
    ) -> None: ...

    async def get(self, conversation_id: uuid.UUID, message_id: uuid.UUID) -> Message | None: ...

    async def edit(
        self, message: Message, user_copies: Sequence[str], content: str, edited_at_ns: int
    ) -> bool: ...

    async def soft_delete(self, message: Message, user_copies: Sequence[str]) -> None: ...


class ActivityStore(Protocol):
    """The conversation lists' activity (`repos.conversations.ConversationRepository`)."""

    async def record_activity(
        self, conversation_id: uuid.UUID, usernames: Sequence[str], message_id: uuid.UUID
    ) -> None: ...


class TimelineWriter(Protocol):
    """The recent-history cache (`repos.cache.timelines.TimelineCache`)."""

    async def append(self, timelines: Sequence[str], message: Message) -> None: ...

    async def replace(self, timelines: Sequence[str], message: Message) -> None: ...


class EventPublisher(Protocol):
    async def publish(self, event: Event) -> None: ...


class KnownUsers(Protocol):
    """Usernames found already: a bounded set (`infra.caches.CacheRegistry.fifo`)."""

    def __contains__(self, username: str) -> bool: ...

    def __setitem__(self, username: str, found: bool) -> None: ...
