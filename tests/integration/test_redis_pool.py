"""An overload that keeps every pooled Redis connection busy makes commands wait, not fail,
for a bounded time. The connections are held by the test itself, so what is waited on is
a release, never a clock."""

import asyncio

import pytest
from redis.asyncio import Redis
from redis.exceptions import MaxConnectionsError

from chat_service.infra.redis import WaitingConnectionPool
from chat_service.infra.settings import Settings

NEVER_S = 3600.0  # a wait no test reaches: a command woken early was woken by a release
WOKEN_WITHIN_S = 30.0  # only a guard, should a wait never end


async def test_commands_beyond_the_pool_wait_for_a_release_and_all_succeed(
    migrated: Settings,
) -> None:
    pool = WaitingConnectionPool.from_url(migrated.redis_url, wait_s=NEVER_S, max_connections=2)
    redis = Redis.from_pool(pool)
    try:
        held = [await pool.get_connection(), await pool.get_connection()]
        pings = [asyncio.create_task(redis.ping()) for _ in range(10)]
        for _ in range(50):  # turns enough to fail, were the pool not to wait
            await asyncio.sleep(0)
        assert not any(task.done() for task in pings)  # waiting, not failed
        for connection in held:
            await pool.release(connection)
        async with asyncio.timeout(WOKEN_WITHIN_S):
            assert await asyncio.gather(*pings) == [True] * 10
    finally:
        await redis.aclose()


async def test_a_command_gives_up_when_no_connection_is_released_in_time(
    migrated: Settings,
) -> None:
    pool = WaitingConnectionPool.from_url(migrated.redis_url, wait_s=0.05, max_connections=1)
    redis = Redis.from_pool(pool)
    try:
        held = await pool.get_connection()  # and not released while the ping waits
        with pytest.raises(MaxConnectionsError):
            async with asyncio.timeout(WOKEN_WITHIN_S):  # a guard: the wait is 50 ms
                await redis.ping()
        await pool.release(held)
        assert await redis.ping()  # and the pool serves again once it is released
    finally:
        await redis.aclose()
