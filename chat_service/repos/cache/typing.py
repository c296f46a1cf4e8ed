"""Who is typing, per conversation, in Redis: one Lua script per signal, nothing in Cassandra.

A conversation's typists are a sorted set of username -> expiry (ms); each (conversation,
user) also has a "quiet until" key, so a user's repeated signals within the quiet period
refresh their expiry without asking for another fan-out. Both keys share the
conversation's hash tag, so a script's keys live in one Redis Cluster slot. Times come
from the caller's clock, so the rules can be tested without waiting.

Typing is best effort: while Redis is down, signals are dropped (and logged).
"""

from __future__ import annotations

import uuid

import structlog
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import NoScriptError, RedisError

log = structlog.get_logger(__name__)

# KEYS: typists, quiet; ARGV: username, now_ms, expires_ms, quiet_ms
# -> everyone typing (the signal is to be fanned out), or nil (quiet: already sent out)
_SIGNAL = """
local now = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
local quiet_until = tonumber(redis.call('GET', KEYS[2]) or '0')
if quiet_until > now then return false end
redis.call('SET', KEYS[2], now + tonumber(ARGV[4]), 'PX', ARGV[4])
return redis.call('ZRANGE', KEYS[1], 0, -1)
"""

# KEYS: typists, quiet; ARGV: username, now_ms
# -> everyone still typing when the user was typing (to be fanned out), else nil. Every
# send runs it: when the user is not typing there it only reads (their quiet key, set with
# a signal, expires before their entry does), and nobody typing means no key at all.
_STOP = """
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return false end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[2]))
return redis.call('ZRANGE', KEYS[1], 0, -1)
"""


def _keys(conversation_id: uuid.UUID, username: str) -> list[str]:
    tag = f"typing:{{{conversation_id}}}"
    return [tag, f"{tag}:quiet:{username}"]


class TypingRegistry:
    def __init__(self, redis: Redis) -> None:
        self._signal = redis.register_script(_SIGNAL)
        self._stop = redis.register_script(_STOP)

    async def signal(
        self,
        conversation_id: uuid.UUID,
        username: str,
        now_ms: int,
        expires_ms: int,
        quiet_ms: int,
    ) -> list[str] | None:
        """Count `username` as typing until `now_ms + expires_ms`; everyone typing when the
        signal is to be sent out, None while the user's quiet period lasts."""
        return await self._run(
            self._signal,
            _keys(conversation_id, username),
            [username, now_ms, expires_ms, quiet_ms],
        )

    async def stop(
        self, conversation_id: uuid.UUID, username: str, now_ms: int
    ) -> list[str] | None:
        """`username` stops typing (they sent); who is still typing if they were, else None."""
        return await self._run(self._stop, _keys(conversation_id, username), [username, now_ms])

    def queue_stop(
        self, pipe: Pipeline, conversation_id: uuid.UUID, username: str, now_ms: int
    ) -> None:
        """Queue `stop` on `pipe` by its script's digest (see `repos/cache/sends.py`)."""
        keys = _keys(conversation_id, username)
        pipe.evalsha(self._stop.sha, len(keys), *keys, username, now_ms)

    async def stopped(
        self, reply: object, conversation_id: uuid.UUID, username: str, now_ms: int
    ) -> list[str] | None:
        """What a queued `stop` answered (run again if Redis had lost the script)."""
        if isinstance(reply, NoScriptError):
            return await self.stop(conversation_id, username, now_ms)
        if isinstance(reply, BaseException):
            log.warning("typing.unavailable", error=str(reply))
            return None
        return _names(reply)

    async def _run(self, script: object, keys: list[str], args: list[object]) -> list[str] | None:
        try:
            found = await script(keys=keys, args=args)  # type: ignore[operator]
        except RedisError as exc:
            log.warning("typing.unavailable", error=str(exc))
            return None
        return _names(found)


def _names(found: object) -> list[str] | None:
    if found is None:
        return None
    assert isinstance(found, list)
    return sorted(name.decode() if isinstance(name, bytes) else name for name in found)
