"""Last-seen times kept in Cassandra: the durable copy of what Redis holds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from chat_service.domain.clock import datetime_to_ns, ns_to_datetime
from chat_service.repos.base import PreparedRepository

_MS = 1_000_000


class PresenceRepository(PreparedRepository):
    CQL: ClassVar[dict[str, str]] = {
        "save": "INSERT INTO user_presence (username, last_seen_at) VALUES (?, ?)",
        "read": "SELECT username, last_seen_at FROM user_presence WHERE username IN ?",
    }

    async def save_last_seen(self, username: str, last_seen_ms: int) -> None:
        await self._db.execute(self._s["save"], (username, ns_to_datetime(last_seen_ms * _MS)))

    async def last_seen(self, usernames: Sequence[str]) -> dict[str, int]:
        """The last-seen times (ms) stored for those of `usernames` that have one."""
        rows = await self._db.execute(self._s["read"], (list(usernames),))
        return {
            row.username: datetime_to_ns(row.last_seen_at) // _MS
            for row in rows
            if row.last_seen_at is not None
        }
