"""The WebSocket connections of this process, by user, fed from the event bus.

Each connection has a bounded queue and its own writer task: a slow client fills only its
own queue, and is closed with 4008 when it overflows, so it never delays anyone else.
Every event is rendered once, however many of its recipients are connected here; only its
`stream_id` is per connection (the position after it, with the changes this connection was
sent in the last settle window: see `domain/stream.py`).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import orjson
from aiohttp import web

from chat_service.api import render
from chat_service.domain.events import Event
from chat_service.domain.stream import RecentChanges, ticks_of_ns
from chat_service.infra import metrics
from chat_service.repos.cache.events import BusDown, BusUp


@dataclass(frozen=True)
class LiveSettings:
    heartbeat_s: float
    idle_timeout_s: float
    queue_size: int


class Subscriptions(Protocol):
    """Which users' events this process hears (`repos.cache.events.EventBus`)."""

    async def watch(self, username: str) -> None: ...

    def unwatch(self, username: str) -> None: ...


CLOSE_SLOW_CONSUMER = 4008
CLOSE_IDLE = 4000
# Every session of the account ended (logout-all, a password change or reset): the client
# must log in again rather than reconnect with its token.
CLOSE_SESSION_ENDED = 4001


class Connection:
    """One socket's outbound queue. Its writer task exists only while there is something
    to send, so an idle connection costs a deque and a few fields, not a task."""

    __slots__ = ("_broken", "_pending", "_queue_size", "_recent", "_writer", "username", "ws")

    def __init__(self, ws: web.WebSocketResponse, username: str, queue_size: int) -> None:
        self.ws = ws
        self.username = username
        self._queue_size = queue_size
        self._pending: deque[str] = deque()
        self._writer: asyncio.Task[None] | None = None
        self._broken: asyncio.Task[None] | None = None  # set once the socket is given up
        self._recent = RecentChanges()  # changes sent, above the floor

    def stream_id(self, change_id: uuid.UUID, settled: int) -> str:
        """The position once this change is handled: everything settled, and the changes
        this connection was sent since (the floor never passes `settled`)."""
        return self._recent.position_after(change_id, settled)

    def offer(self, payload: str) -> bool:
        """Queue a payload; False (and the connection is being closed) when it is full."""
        if self._broken is not None:
            return False
        if len(self._pending) >= self._queue_size:
            self._broken = asyncio.create_task(
                self.close(CLOSE_SLOW_CONSUMER, "slow consumer: queue overflow")
            )
            return False
        self._pending.append(payload)
        if self._writer is None:
            self._writer = asyncio.create_task(self._write())
        return True

    async def _write(self) -> None:
        try:
            while self._pending:
                await self.ws.send_str(self._pending[0])
                self._pending.popleft()
        except (ConnectionError, RuntimeError):
            self._broken = self._writer
        finally:
            self._writer = None

    async def close(self, code: int, message: str) -> None:
        if self._writer is not None:
            self._writer.cancel()
        await self.ws.close(code=code, message=message.encode())


class Hub:
    """The connections of this process, by user, fed from the event bus."""

    def __init__(
        self,
        queue_size: int,
        subscriptions: Subscriptions,
        settle_ns: int,
        clock_ns: Callable[[], int] = time.time_ns,
    ) -> None:
        self._queue_size = queue_size
        self._subscriptions = subscriptions
        self._settle_ns = settle_ns
        self._clock_ns = clock_ns
        self._by_user: dict[str, set[Connection]] = defaultdict(set)
        self._bus_down = False
        # An event comes once per shard of its recipients here: its data is rendered once.
        self._last_rendered: tuple[uuid.UUID | None, str] = (None, "")

    async def watch(self, username: str) -> None:
        """Hear `username`'s events here; before the socket opens, so nothing is missed."""
        await self._subscriptions.watch(username)

    def unwatch(self, username: str) -> None:
        self._subscriptions.unwatch(username)

    def connect(self, ws: web.WebSocketResponse, username: str) -> Connection:
        connection = Connection(ws, username, self._queue_size)
        self._by_user[username].add(connection)
        metrics.WS_CONNECTIONS.inc()
        return connection

    def disconnect(self, connection: Connection) -> None:
        connections = self._by_user.get(connection.username)
        if connections is not None and connection in connections:
            metrics.WS_CONNECTIONS.dec()
            connections.discard(connection)
            if not connections:
                del self._by_user[connection.username]

    def deliver(self, event: Event) -> None:
        local = [c for name in event.recipients for c in self._by_user.get(name, ())]
        if not local:
            return
        change = event.change_id
        if change is None:
            payloads = [render_event(event)] * len(local)
        else:
            head, tail = (
                f'{{"type":"{event.type.value}","stream_id":"',
                f'","data":{self._rendered(change, event)}}}',
            )
            settled = ticks_of_ns(self._clock_ns() - self._settle_ns)
            payloads = [head + c.stream_id(change, settled) + tail for c in local]
        for connection, payload in zip(local, payloads, strict=True):
            if connection.offer(payload):
                metrics.WS_DELIVERED.inc()
            else:
                metrics.WS_DROPPED.inc()

    def _rendered(self, change: uuid.UUID, event: Event) -> str:
        """The event's data, rendered once for all its copies (one per shard) heard here."""
        last_change, data = self._last_rendered
        if last_change != change:
            data = _data(event)
            self._last_rendered = (change, data)
        return data

    def broadcast(self, event_type: str, data: dict[str, object]) -> None:
        payload = orjson.dumps({"type": event_type, "data": data}).decode()
        for connections in list(self._by_user.values()):
            for connection in list(connections):
                connection.offer(payload)

    def hear(self, item: Event | BusDown | BusUp) -> None:
        """Deliver an event from the bus, or tell every client the bus went down or is back."""
        if isinstance(item, BusDown):
            self._bus_down = True
            self.broadcast("system.degraded", {"reason": "live delivery is interrupted"})
        elif isinstance(item, BusUp):
            if self._bus_down:
                self.broadcast(
                    "system.recovered",
                    {"hint": "call GET /api/v1/sync from the last stream_id handled"},
                )
            self._bus_down = False
        else:
            self.deliver(item)

    async def close_sessions(self, username: str, code: int, reason: str) -> None:
        """Close every socket of `username` on this process with `code` (e.g. 4001 when
        its sessions ended, or when its access token expired)."""
        connections = list(self._by_user.get(username, ()))
        await asyncio.gather(*(c.close(code, reason) for c in connections), return_exceptions=True)

    async def close_all(self, code: int, message: str) -> None:
        connections = [c for group in self._by_user.values() for c in group]
        await asyncio.gather(*(c.close(code, message) for c in connections), return_exceptions=True)


def render_event(event: Event, stream_id: str | None = None) -> str:
    """An event as sent to clients: `{type, stream_id?, data}` (`/sync` renders the same)."""
    position = f',"stream_id":"{stream_id}"' if stream_id is not None else ""
    return f'{{"type":"{event.type.value}"{position},"data":{_data(event)}}}'


def _data(event: Event) -> str:
    data: dict[str, object] = {"conversation_id": str(event.conversation_id)}
    if event.message is not None:
        data = render.message(event.message)
        if event.pinned is not None:
            data["pinned"] = event.pinned
    elif event.pinned is not None:  # conversation.pins
        data["pinned"] = event.pinned
    if event.reactions is not None:  # message.reactions, and an edit's current summary
        data["reactions"] = render.reaction_counts(event.reactions)
    if event.emoji is not None:
        data["emoji"] = event.emoji
        data["added"] = bool(event.added)
    if event.username is not None:
        data["username"] = event.username
    if event.message_id is not None:
        data["message_id"] = str(event.message_id)
    if event.usernames is not None:
        data["usernames"] = list(event.usernames)
    return orjson.dumps(data).decode()
