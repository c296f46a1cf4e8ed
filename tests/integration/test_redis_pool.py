"""An overload that keeps every pooled Redis connection busy makes commands wait, not fail,
for a bounded time."""

import asyncio

import pytest
from redis.asyncio import Redis
from redis.exceptions import MaxConnectionsError

from chat_service.infra.redis import MAX_CONNECTIONS, WaitingConnectionPool, connect_redis
from chat_service.infra.settings import Settings
from tests.conftest import unique_name


async def test_more_commands_in_flight_than_connections_all_succeed(migrated: Settings) -> None:
    redis = connect_redis(migrated)
    empty = unique_name("nothing")
    try:
        # Each BLPOP holds its connection for 50 ms, waiting on a list nobody fills.
        replies = await asyncio.gather(
            *(redis.blpop([empty], timeout=0.05) for _ in range(MAX_CONNECTIONS + 50))
        )
    finally:
        await redis.aclose()
    assert replies == [None] * (MAX_CONNECTIONS + 50)


async def test_a_command_gives_up_when_no_connection_is_released_in_time(
    migrated: Settings,
) -> None:
    redis = Redis.from_pool(
        WaitingConnectionPool.from_url(migrated.redis_url, wait_s=0.05, max_connections=1)
    )
    empty = unique_name("nothing")
    try:
        holder = asyncio.create_task(redis.blpop([empty], timeout=0.5))
        await asyncio.sleep(0.1)  # the only connection is now busy for 0.4 s more
        with pytest.raises(MaxConnectionsError):
            await redis.ping()
        assert await holder is None
        assert await redis.ping()  # and the pool serves again once it is released
    finally:
        await redis.aclose()
