"""What a process does with what it hears on the event bus: its in-process caches forget
what changed first, then its WebSocket connections get the event."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Protocol

from chat_service.api.hub import CLOSE_SESSION_ENDED, Hub
from chat_service.domain.events import Event, EventType
from chat_service.repos.cache.events import BusDown, BusUp, CacheChange, EventBus


class Listener(Protocol):
    """An in-process cache that hears the bus (forgets what an event made stale)."""

    def hear(self, item: Event | BusDown | BusUp) -> None: ...


async def hear_events(bus: EventBus, hub: Hub, listeners: Sequence[Listener]) -> None:
    """Everything this process hears on the bus: the in-process caches first (a removal or
    an ended session is forgotten before anything else happens here), then live delivery.
    Ended sessions are not for clients: `Sessions` closes their sockets."""
    async for item in bus.listen():
        if isinstance(item, CacheChange):  # heard by every process, for its caches
            for listener in listeners:
                listener.hear(item.event)
            continue
        for listener in listeners:
            listener.hear(item)
        if isinstance(item, Event) and item.type is EventType.SESSIONS_ENDED:
            continue
        hub.hear(item)


def socket_closer(hub: Hub) -> Callable[[str], None]:
    """Closes every socket of an account whose sessions ended (4001), in the background."""
    closing: set[asyncio.Task[None]] = set()

    def close(username: str) -> None:
        task = asyncio.create_task(
            hub.close_sessions(username, CLOSE_SESSION_ENDED, "session ended")
        )
        closing.add(task)
        task.add_done_callback(closing.discard)

    return close
