"""In-memory fakes of the write side's ports: `services.messaging.MessageStore`,
`ActivityStore`, `TimelineWriter`, `EventPublisher` and `SentMessageEffects`."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from chat_service.domain.events import Event
from chat_service.domain.models import Message


@dataclass(frozen=True)
class Stored:
    """One `store` call: the message and what the caller said it changes."""

    message: Message
    copies: tuple[str, ...]
    activity_for: tuple[str, ...]
    read_marker_for: str | None
    direct_between: tuple[str, str] | None


class FakeMessageStore:
    def __init__(self) -> None:
        self.claims: dict[tuple[str, str], tuple[uuid.UUID, uuid.UUID]] = {}
        self.messages: dict[tuple[uuid.UUID, uuid.UUID], Message] = {}
        self.stored: list[Stored] = []

    async def reserve_client_id(
        self, sender: str, client_message_id: str, conversation_id: uuid.UUID, message_id: uuid.UUID
    ) -> tuple[uuid.UUID, uuid.UUID]:
        """Like `INSERT ... IF NOT EXISTS`: the first claim of a key wins."""
        return self.claims.setdefault((sender, client_message_id), (conversation_id, message_id))

    async def store(
        self,
        message: Message,
        copies: Sequence[str] = (),
        *,
        activity_for: Sequence[str] = (),
        read_marker_for: str | None = None,
        direct_between: tuple[str, str] | None = None,
        change: Event | None = None,
    ) -> None:
        self.put(message)
        self.stored.append(
            Stored(message, tuple(copies), tuple(activity_for), read_marker_for, direct_between)
        )

    def put(self, message: Message) -> None:
        self.messages[(message.conversation_id, message.id)] = message

    async def get(self, conversation_id: uuid.UUID, message_id: uuid.UUID) -> Message | None:
        return self.messages.get((conversation_id, message_id))

    async def edit(
        self,
        message: Message,
        user_copies: Sequence[str],
        content: str,
        edited_at_ns: int,
        mentions: Sequence[str] = (),
    ) -> bool:
        key = (message.conversation_id, message.id)
        if self.messages[key].deleted:
            return False
        self.messages[key] = replace(
            self.messages[key], content=content, edited_at_ns=edited_at_ns, mentions=tuple(mentions)
        )
        return True

    async def soft_delete(self, message: Message, user_copies: Sequence[str]) -> None:
        key = (message.conversation_id, message.id)
        self.messages[key] = replace(self.messages[key], content=None, deleted=True)


class FakeActivityStore:
    def __init__(self) -> None:
        self.recorded: list[tuple[uuid.UUID, tuple[str, ...], uuid.UUID]] = []

    async def record_activity(
        self, conversation_id: uuid.UUID, usernames: Sequence[str], message_id: uuid.UUID
    ) -> None:
        self.recorded.append((conversation_id, tuple(usernames), message_id))


class FakeTimelines:
    def __init__(self) -> None:
        self.appended: list[tuple[tuple[str, ...], Message]] = []
        self.replaced: list[tuple[tuple[str, ...], Message]] = []

    async def append(self, timelines: Sequence[str], message: Message) -> None:
        self.appended.append((tuple(timelines), message))

    async def replace(self, timelines: Sequence[str], message: Message) -> None:
        self.replaced.append((tuple(timelines), message))


class FakeEvents:
    def __init__(self) -> None:
        self.published: list[Event] = []

    async def publish(self, event: Event) -> None:
        self.published.append(event)


class FakeSentEffects:
    """`repos.cache.sends.SendFollowUp` on fakes: the cache append, the publish and the
    typing stop it does in one round trip, each recorded by its own fake."""

    def __init__(self, timelines: Any, events: Any, typing: Any = None) -> None:
        self._timelines = timelines
        self._events = events
        self._typing = typing
        self.stops: list[tuple[uuid.UUID, str, int]] = []

    async def sent(
        self, timelines: Sequence[str], event: Event, typing_stop_ms: int | None
    ) -> list[str] | None:
        assert event.message is not None
        await self._timelines.append(timelines, event.message)
        await self._events.publish(event)
        if typing_stop_ms is None:
            return None
        message = event.message
        self.stops.append((message.conversation_id, message.sender, typing_stop_ms))
        if self._typing is None:
            return None
        return await self._typing.stop(message.conversation_id, message.sender, typing_stop_ms)
