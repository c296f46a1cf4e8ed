"""An overload that keeps every pooled Redis connection busy makes commands wait, not fail."""

import asyncio

from chat_service.infra.redis import MAX_CONNECTIONS, connect_redis
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
