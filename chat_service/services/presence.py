"""Presence: a user is online while any of their devices holds a WebSocket, on any process.

This process counts its own users' sockets; Redis knows which processes hold each user
(`repos/cache/presence.py`), renewed every `renew_s` by `renew_every`, so two devices on
two processes work and a crashed process's users go offline within `ttl_s`. When a user's
last socket anywhere closes, Redis records when; Cassandra's copy (`repos/presence.py`) is
written at most every `save_every_s` per user (a save Cassandra missed does not count).
Presence is pulled (`read`), never broadcast. Redis being down degrades presence (logged),
never a socket.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Protocol

import structlog
from redis.exceptions import RedisError

from chat_service.domain.errors import StoreUnavailable
from chat_service.domain.models import Presence
from chat_service.repos.cache.presence import Offline

log = structlog.get_logger(__name__)

_MINUTE_MS = 60_000
_NS_PER_MS = 1_000_000


class OnlineStore(Protocol):
    """Who is online (`repos.cache.presence.OnlineUsers`); raises `RedisError`."""

    async def online(
        self, usernames: Sequence[str], process: str, now_ms: int, ttl_ms: int
    ) -> None: ...
    async def offline(
        self, username: str, process: str, now_ms: int, save_every_s: int
    ) -> Offline: ...
    async def read(
        self, usernames: Sequence[str], now_ms: int
    ) -> list[tuple[bool, int | None]]: ...
    async def remember_last_seen(self, found: dict[str, int | None]) -> None: ...
    async def save_missed(self, username: str) -> None: ...


class LastSeenStore(Protocol):
    """The durable copy (`repos.presence.PresenceRepository`)."""

    async def save_last_seen(self, username: str, last_seen_ms: int) -> None: ...
    async def last_seen(self, usernames: Sequence[str]) -> dict[str, int]: ...


def _wall_clock_ms() -> int:
    return time.time_ns() // _NS_PER_MS


class PresenceService:
    def __init__(
        self,
        online: OnlineStore,
        saved: LastSeenStore,
        ttl_s: float,
        save_every_s: int,
        clock_ms: Callable[[], int] = _wall_clock_ms,
        process: str | None = None,
    ) -> None:
        self._online = online
        self._saved = saved
        self._ttl_ms = int(ttl_s * 1000)
        self._save_every_s = save_every_s
        self._clock_ms = clock_ms
        self._process = process or uuid.uuid4().hex
        self._sockets: Counter[str] = Counter()  # this process's open sockets, by user

    async def connected(self, username: str) -> None:
        self._sockets[username] += 1
        if self._sockets[username] == 1:
            await self._mark_online([username])

    async def disconnected(self, username: str) -> None:
        self._sockets[username] -= 1
        if self._sockets[username] > 0:
            return
        del self._sockets[username]
        now = self._clock_ms()
        try:
            outcome = await self._online.offline(username, self._process, now, self._save_every_s)
            if outcome is Offline.OFFLINE_SAVE:
                try:
                    await self._saved.save_last_seen(username, now)
                except StoreUnavailable:
                    # Not saved: it must not count as saved lately, or no save would be
                    # tried for `save_every_s` and Cassandra's copy would miss this time.
                    await self._online.save_missed(username)
                    raise
        except (RedisError, StoreUnavailable) as exc:
            log.warning("presence.offline_failed", error=str(exc))
        if self._sockets[username] > 0:  # a socket opened again meanwhile
            await self._mark_online([username])

    async def renew(self) -> None:
        """Renew this process's entries for its users (one Redis round trip)."""
        await self._mark_online(list(self._sockets))

    async def renew_every(self, period_s: float) -> None:
        while True:
            await asyncio.sleep(period_s)
            await self.renew()

    async def read(self, usernames: Sequence[str]) -> list[Presence]:
        """Each user's presence, in the order asked. A name nobody has is offline, never
        seen (`last_seen_ns` None), like a user who never connected."""
        try:
            found = await self._online.read(usernames, self._clock_ms())
        except RedisError as exc:
            raise StoreUnavailable("Presence is unavailable; try again shortly.") from exc
        unknown = [
            name
            for name, (online, last) in zip(usernames, found, strict=True)
            if not online and last is None
        ]
        durable: dict[str, int] = {}
        if unknown:
            durable = await self._saved.last_seen(unknown)
            remembered: dict[str, int | None] = {name: durable.get(name) for name in unknown}
            try:
                await self._online.remember_last_seen(remembered)
            except RedisError as exc:
                log.warning("presence.remember_failed", error=str(exc))
        presence = []
        for name, (online, last) in zip(usernames, found, strict=True):
            last = durable.get(name, last)
            seen = None if online or not last else last // _MINUTE_MS * _MINUTE_MS * _NS_PER_MS
            presence.append(Presence(name, online, seen))
        return presence

    async def _mark_online(self, usernames: list[str]) -> None:
        try:
            await self._online.online(usernames, self._process, self._clock_ms(), self._ttl_ms)
        except RedisError as exc:
            log.warning("presence.renew_failed", error=str(exc))
