"""A fake of `services.messaging.SentMessageEffects` (`repos.cache.sends.SendFollowUp`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from chat_service.domain.events import Event


class FakeSentEffects:
    """The cache append, the publish and the typing stop a send does in one round trip,
    each recorded by its own fake."""

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
