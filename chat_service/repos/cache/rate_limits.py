"""Rate limits as fixed-window counters in Redis, checked and counted by one Lua script each
(never read-then-write, so concurrent requests cannot both slip under a limit).

While Redis is down the limits are not enforced (fail open): messaging and logins keep
working, and the outage is logged. Limits protect the service; they are not worth an outage.
"""

from __future__ import annotations

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = structlog.get_logger(__name__)

# KEYS: counters; ARGV: limit1, window1, limit2, window2, ... , now (s)
# -> 0 when allowed (every counter incremented), else seconds until the fullest window resets
_TAKE = """
local now = tonumber(ARGV[#ARGV])
for i = 1, #KEYS do
  local limit, window = tonumber(ARGV[2 * i - 1]), tonumber(ARGV[2 * i])
  local used = tonumber(redis.call('GET', KEYS[i] .. ':' .. math.floor(now / window)) or '0')
  if used >= limit then return window - (now % window) end
end
for i = 1, #KEYS do
  local window = tonumber(ARGV[2 * i])
  local key = KEYS[i] .. ':' .. math.floor(now / window)
  redis.call('INCR', key)
  redis.call('EXPIRE', key, window)
end
return 0
"""

# KEYS: counter; ARGV: limit, window, now -> seconds to wait, or 0
_PEEK = """
local now, limit, window = tonumber(ARGV[3]), tonumber(ARGV[1]), tonumber(ARGV[2])
local used = tonumber(redis.call('GET', KEYS[1] .. ':' .. math.floor(now / window)) or '0')
if used >= limit then return window - (now % window) end
return 0
"""

# KEYS: counter; ARGV: window, now
_COUNT = """
local now, window = tonumber(ARGV[2]), tonumber(ARGV[1])
local key = KEYS[1] .. ':' .. math.floor(now / window)
redis.call('INCR', key)
redis.call('EXPIRE', key, window)
return 1
"""


class RateLimiter:
    def __init__(self, redis: Redis) -> None:
        self._take = redis.register_script(_TAKE)
        self._peek = redis.register_script(_PEEK)
        self._count = redis.register_script(_COUNT)

    async def take(self, key: str, windows: list[tuple[int, int]], now_s: int) -> int:
        """Count one event in every (limit, window_s) window unless one is full; 0 when
        allowed, else the seconds until it may be retried."""
        args: list[int] = [value for window in windows for value in window] + [now_s]
        keys = [f"rl:{key}:{window_s}" for _, window_s in windows]
        return await self._run(self._take, keys, args)

    async def exceeded(self, key: str, limit: int, window_s: int, now_s: int) -> int:
        """Seconds to wait when `limit` events were counted in the current window, else 0."""
        return await self._run(self._peek, [f"rl:{key}:{window_s}"], [limit, window_s, now_s])

    async def count(self, key: str, window_s: int, now_s: int) -> None:
        await self._run(self._count, [f"rl:{key}:{window_s}"], [window_s, now_s])

    async def _run(self, script: object, keys: list[str], args: list[int]) -> int:
        try:
            return int(await script(keys=keys, args=args))  # type: ignore[operator]
        except RedisError as exc:
            log.warning("rate_limit.unavailable", error=str(exc))
            return 0
