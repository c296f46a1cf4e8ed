"""Fakes of the Redis side of typing and presence, with the scripts' rules in Python."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from redis.exceptions import ConnectionError as RedisConnectionError

from chat_service.domain.errors import StoreUnavailable
from chat_service.repos.cache.presence import Offline


class FakeTypingStore:
    """`repos.cache.typing.TypingRegistry`: typists with expiries, and quiet periods."""

    def __init__(self) -> None:
        self.typists: dict[uuid.UUID, dict[str, int]] = {}
        self.quiet_until: dict[tuple[uuid.UUID, str], int] = {}
        self.calls = 0

    def _current(self, conversation_id: uuid.UUID, now_ms: int) -> dict[str, int]:
        typists = self.typists.setdefault(conversation_id, {})
        for name in [name for name, until in typists.items() if until <= now_ms]:
            del typists[name]
        return typists

    async def signal(
        self,
        conversation_id: uuid.UUID,
        username: str,
        now_ms: int,
        expires_ms: int,
        quiet_ms: int,
    ) -> list[str] | None:
        self.calls += 1
        typists = self._current(conversation_id, now_ms)
        typists[username] = now_ms + expires_ms
        if self.quiet_until.get((conversation_id, username), 0) > now_ms:
            return None
        self.quiet_until[(conversation_id, username)] = now_ms + quiet_ms
        return sorted(typists)

    async def stop(
        self, conversation_id: uuid.UUID, username: str, now_ms: int
    ) -> list[str] | None:
        self.calls += 1
        self.quiet_until.pop((conversation_id, username), None)
        typists = self.typists.get(conversation_id, {})
        if typists.pop(username, None) is None:
            return None
        return sorted(self._current(conversation_id, now_ms))


class FakeOnlineStore:
    """`repos.cache.presence.OnlineUsers`: user -> process -> until, last seen, saves."""

    def __init__(self) -> None:
        self.holders: dict[str, dict[str, int]] = {}
        self.last: dict[str, int] = {}
        self.saved_until: dict[str, int] = {}  # the Cassandra copy's throttle, in ms
        self.down = False

    def _check(self) -> None:
        if self.down:
            raise RedisConnectionError("redis is down")

    async def online(
        self, usernames: Sequence[str], process: str, now_ms: int, ttl_ms: int
    ) -> None:
        self._check()
        for name in usernames:
            self.holders.setdefault(name, {})[process] = now_ms + ttl_ms
            self.last[name] = now_ms

    async def offline(self, username: str, process: str, now_ms: int, save_every_s: int) -> Offline:
        self._check()
        holders = self.holders.setdefault(username, {})
        holders.pop(process, None)
        if any(until > now_ms for until in holders.values()):
            return Offline.STILL_ONLINE
        self.last[username] = now_ms
        if self.saved_until.get(username, 0) > now_ms:
            return Offline.OFFLINE
        self.saved_until[username] = now_ms + save_every_s * 1000
        return Offline.OFFLINE_SAVE

    async def read(self, usernames: Sequence[str], now_ms: int) -> list[tuple[bool, int | None]]:
        self._check()
        return [
            (
                any(until > now_ms for until in self.holders.get(name, {}).values()),
                self.last.get(name),
            )
            for name in usernames
        ]

    async def save_missed(self, username: str) -> None:
        self._check()
        self.saved_until.pop(username, None)

    async def remember_last_seen(self, found: dict[str, int | None]) -> None:
        self._check()
        for name, last in found.items():
            self.last.setdefault(name, 0 if last is None else last)


class FakeLastSeen:
    """`repos.presence.PresenceRepository`: the Cassandra copy."""

    def __init__(self) -> None:
        self.rows: dict[str, int] = {}
        self.writes: list[tuple[str, int]] = []
        self.reads = 0
        self.down = False

    async def save_last_seen(self, username: str, last_seen_ms: int) -> None:
        if self.down:
            raise StoreUnavailable("Cassandra is unavailable")
        self.writes.append((username, last_seen_ms))
        self.rows[username] = last_seen_ms

    async def last_seen(self, usernames: Sequence[str]) -> dict[str, int]:
        self.reads += 1
        return {name: self.rows[name] for name in usernames if name in self.rows}
