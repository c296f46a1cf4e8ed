"""The version of each timeline's marks (reactions and pins) in Redis, which lets every
process keep what it read from Cassandra in memory and still never show it once stale.

A version is a random token, not a counter: after a FLUSHDB (or an expiry) a counter would
start again and could meet a number some process remembers from before; a fresh token never
does. Writers store the change in Cassandra, then give the timeline a new token; readers
read the token, then Cassandra, and keep the result under the token they read first. A
result kept under the current token therefore includes every change whose writer had
finished (Cassandra first, then the token) before the reader started.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = structlog.get_logger(__name__)

TOKEN_TTL_S = 86_400  # an idle timeline's token goes; the next reader makes a new one


def _key(timeline: str) -> str:
    return f"marks:{timeline}"


class MarkVersions:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def current(self, timeline: str) -> str | None:
        """The timeline's token (made now if it has none), or None when Redis does not
        answer: then nothing remembered may be used."""
        token = secrets.token_hex(8)
        try:
            # SET NX GET: the existing token, or None when ours was just set.
            earlier = await self._redis.set(
                _key(timeline), token, nx=True, get=True, ex=TOKEN_TTL_S
            )
        except (RedisError, OSError) as exc:
            log.warning("marks.version_unavailable", error=str(exc))
            return None
        if earlier is None:
            return token
        return earlier.decode() if isinstance(earlier, bytes) else str(earlier)

    async def changed(self, timelines: Sequence[str]) -> None:
        """After a change is stored in Cassandra: every reader's memory of these timelines'
        marks is stale. A failure is logged: memories then age out by their own bound."""
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for timeline in timelines:
                    pipe.set(_key(timeline), secrets.token_hex(8), ex=TOKEN_TTL_S)
                await pipe.execute()
        except (RedisError, OSError) as exc:
            log.warning("marks.version_not_changed", error=str(exc))
