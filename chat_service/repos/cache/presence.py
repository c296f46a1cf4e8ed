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

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import NoScriptError, RedisError

LAST_SEEN_TTL_S = 30 * 24 * 3600  # beyond that, Cassandra's copy answers
NEVER_SEEN_TTL_S = 15 * 60  # "Cassandra knows no time for this name", kept this long
_NEVER = 0
_IN_FLIGHT: set[asyncio.Task[None]] = set()  # batches of `offline` being sent (kept referenced)

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


@dataclass(frozen=True, slots=True)
class _Closing:
    """One `offline` call waiting for its batch."""

    keys: list[str]
    args: list[str | int]
    answer: asyncio.Future[Offline]


class OnlineUsers:
    """Raises `RedisError` when Redis is unreachable: the service decides what that means.

    Scripts go by digest (EVALSHA) in pipelines; one that Redis lost (NOSCRIPT, after a
    restart) is run again alone, loading it. The `offline` calls of one moment share one
    pipeline: when hundreds of sockets close together (a deploy, a network blip, the end
    of a load test) they take one connection and one round trip, not one each (which
    grew the pool to its limit, opening a connection per closing socket)."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._online = redis.register_script(_ONLINE)
        self._offline = redis.register_script(_OFFLINE)
        self._closing: list[_Closing] = []  # the next batch of `offline` calls

    async def online(
        self, usernames: Sequence[str], process: str, now_ms: int, ttl_ms: int
    ) -> None:
        """Mark `usernames` online through `process` until `now_ms + ttl_ms` (one round trip)."""
        if not usernames:
            return
        calls = [
            (_keys(name)[:2], [process, now_ms, ttl_ms, LAST_SEEN_TTL_S]) for name in usernames
        ]
        for reply in await self._run(self._online, calls):
            if isinstance(reply, BaseException):
                raise reply

    async def offline(self, username: str, process: str, now_ms: int, save_every_s: int) -> Offline:
        closing = _Closing(
            _keys(username),
            [process, now_ms, save_every_s, LAST_SEEN_TTL_S],
            asyncio.get_running_loop().create_future(),
        )
        self._closing.append(closing)
        if len(self._closing) == 1:  # the first of a batch sends it, once the loop moves on
            asyncio.get_running_loop().call_soon(self._send_closing)
        return await closing.answer

    def _send_closing(self) -> None:
        batch, self._closing = self._closing, []
        task = asyncio.create_task(self._closed(batch))
        _IN_FLIGHT.add(task)
        task.add_done_callback(_IN_FLIGHT.discard)

    async def _closed(self, batch: list[_Closing]) -> None:
        try:
            replies = await self._run(self._offline, [(c.keys, c.args) for c in batch])
        except RedisError as exc:
            replies = [exc] * len(batch)
        except BaseException:  # cancelled (a shutdown): its callers must not wait forever
            for closing in batch:
                closing.answer.cancel()
            raise
        for closing, reply in zip(batch, replies, strict=True):
            if closing.answer.done():  # its caller gave up
                continue
            if isinstance(reply, BaseException):
                closing.answer.set_exception(reply)
            else:
                assert isinstance(reply, int)
                closing.answer.set_result(Offline(reply))

    async def _run(self, script: Any, calls: list[tuple[list[str], list[Any]]]) -> list[object]:
        """`script` once per (keys, args) in one pipeline: each call's reply or error."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for keys, args in calls:
                pipe.evalsha(script.sha, len(keys), *keys, *args)
            replies: list[object] = await pipe.execute(raise_on_error=False)
        for i, reply in enumerate(replies):
            if isinstance(reply, NoScriptError):
                keys, args = calls[i]
                try:
                    replies[i] = await script(keys, args)  # loads it, then runs it
                except RedisError as exc:
                    replies[i] = exc
        return replies

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

    async def save_missed(self, username: str) -> None:
        """The Cassandra copy that `offline` said was due could not be written: the next
        `offline` of the user is due again."""
        await self._redis.delete(_keys(username)[2])

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
