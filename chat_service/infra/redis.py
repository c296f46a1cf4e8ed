"""The Redis connection pool. Redis holds derived data only, so it fails fast instead of
retrying: a caller that gets `RedisError` falls back to Cassandra."""

from __future__ import annotations

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from chat_service.infra.settings import Settings

MAX_CONNECTIONS = 256


def connect_redis(settings: Settings) -> Redis:
    """A lazily connecting client; no I/O happens until the first command.

    When every pooled connection is busy (an overload), a command waits up to the Redis
    timeout for one to be released rather than failing at once: failing would drop live
    events and invalidate the whole cache over a queue that drains in milliseconds."""
    pool = BlockingConnectionPool.from_url(
        settings.redis_url,
        max_connections=MAX_CONNECTIONS,
        timeout=settings.redis_timeout_s,
        socket_timeout=settings.redis_timeout_s,
        socket_connect_timeout=settings.redis_timeout_s,
        retry=Retry(NoBackoff(), retries=0),
        health_check_interval=30,
    )
    return Redis.from_pool(pool)


def connect_subscriber(settings: Settings) -> Redis:
    """A client for one long-lived subscription: no read timeout (it waits for events),
    with periodic pings so that a dead connection is noticed within seconds."""
    return Redis.from_url(
        settings.redis_url,
        socket_timeout=None,
        socket_connect_timeout=settings.redis_timeout_s,
        retry=Retry(NoBackoff(), retries=0),
        health_check_interval=5,
    )
