"""Who is online, in Redis: per user, the service processes holding one of their sockets.

`presence:{<user>}` is a sorted set of process id -> until (ms): each process adds itself
when a user's first socket opens there, renews the entries of its own users periodically,
and removes itself when their last socket there closes. A crashed process's entries run
out by themselves. `presence:{<user>}:last` is when the user was last online (ms),
written when their last socket anywhere closed (and by each renewal, so a crash leaves a
close enough time), and `presence:{<user>}:saved` throttles the copy kept in Cassandra.
A user's keys share one hash tag: each script's keys live in one Redis Cluster slot.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum

from redis.asyncio import Redis

LAST_SEEN_TTL_S = 30 * 24 * 3600  # beyond that, Cassandra's copy answers
NEVER_SEEN_TTL_S = 15 * 60  # "Cassandra knows no time for this name", kept this long
_NEVER = 0

# KEYS: online, last; ARGV: process, now_ms, ttl_ms, last_ttl_s
_ONLINE = """
local now = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('SET', KEYS[2], now, 'EX', ARGV[4])
return 1
"""

# KEYS: online, last, saved; ARGV: process, now_ms, save_every_s, last_ttl_s
# -> 0: still online elsewhere; 1: offline; 2: offline, and due to be saved in Cassandra
_OFFLINE = """
local now = tonumber(ARGV[2])
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) > 0 then return 0 end
redis.call('SET', KEYS[2], now, 'EX', ARGV[4])
if redis.call('SET', KEYS[3], '1', 'NX', 'EX', ARGV[3]) then return 2 end
return 1
"""


class Offline(IntEnum):
    """What a socket's closing meant for its user."""

    STILL_ONLINE = 0  # another process holds one of their sockets
    OFFLINE = 1
    OFFLINE_SAVE = 2  # and the last-seen time is due for its Cassandra copy


def _keys(username: str) -> list[str]:
    tag = f"presence:{{{username}}}"
    return [tag, f"{tag}:last", f"{tag}:saved"]


class OnlineUsers:
    """Raises `RedisError` when Redis is unreachable: the service decides what that means."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._online = redis.register_script(_ONLINE)
        self._offline = redis.register_script(_OFFLINE)

    async def online(
        self, usernames: Sequence[str], process: str, now_ms: int, ttl_ms: int
    ) -> None:
        """Mark `usernames` online through `process` until `now_ms + ttl_ms` (one round trip)."""
        if not usernames:
            return
        async with self._redis.pipeline(transaction=False) as pipe:
            for name in usernames:
                keys = _keys(name)[:2]
                await self._online(keys, [process, now_ms, ttl_ms, LAST_SEEN_TTL_S], client=pipe)
            await pipe.execute()

    async def offline(self, username: str, process: str, now_ms: int, save_every_s: int) -> Offline:
        found = await self._offline(
            _keys(username), [process, now_ms, save_every_s, LAST_SEEN_TTL_S]
        )
        return Offline(int(found))

    async def read(self, usernames: Sequence[str], now_ms: int) -> list[tuple[bool, int | None]]:
        """For each user: online, and last seen (ms) when Redis remembers it."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for name in usernames:
                online, last, _ = _keys(name)
                pipe.zcount(online, f"({now_ms}", "+inf")
                pipe.get(last)
            replies = await pipe.execute()
        return [
            (int(count) > 0, None if last is None else int(last))
            for count, last in zip(replies[::2], replies[1::2], strict=True)
        ]

    async def remember_last_seen(self, found: dict[str, int | None]) -> None:
        """Last-seen times read from Cassandra (None: it has none, so Redis answers `0`,
        "never", for a while), kept in Redis unless a newer one came meanwhile."""
        if not found:
            return
        async with self._redis.pipeline(transaction=False) as pipe:
            for name, last_ms in found.items():
                if last_ms is None:
                    pipe.set(_keys(name)[1], _NEVER, ex=NEVER_SEEN_TTL_S, nx=True)
                else:
                    pipe.set(_keys(name)[1], last_ms, ex=LAST_SEEN_TTL_S, nx=True)
            await pipe.execute()
