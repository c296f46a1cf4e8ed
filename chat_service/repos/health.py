"""Liveness probes of the two stores."""

from __future__ import annotations

from redis.asyncio import Redis
from redis.exceptions import RedisError

from chat_service.domain.errors import StoreUnavailable
from chat_service.infra.cassandra import CassandraSession


class StoreProbes:
    def __init__(self, db: CassandraSession, redis: Redis) -> None:
        self._db = db
        self._redis = redis

    async def cassandra_up(self) -> bool:
        try:
            await self._db.execute("SELECT release_version FROM system.local")
        except StoreUnavailable:
            return False
        return True

    async def redis_up(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except (RedisError, OSError):
            return False
