"""Health and readiness: what each store answers, checked concurrently."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Protocol

from chat_service.infra import metrics


class Probes(Protocol):
    async def cassandra_up(self) -> bool: ...
    async def redis_up(self) -> bool: ...


@dataclass(frozen=True)
class Health:
    cassandra: bool
    redis: bool

    @property
    def all_up(self) -> bool:
        return self.cassandra and self.redis


class HealthService:
    def __init__(self, probes: Probes) -> None:
        self._probes = probes

    async def check(self) -> Health:
        cassandra, redis = await asyncio.gather(
            self._probes.cassandra_up(), self._probes.redis_up()
        )
        metrics.STORE_UP.labels("cassandra").set(cassandra)
        metrics.STORE_UP.labels("redis").set(redis)
        return Health(cassandra=cassandra, redis=redis)

    async def ready(self) -> bool:
        """Ready means Cassandra answers: Redis only holds derived data."""
        return await self._probes.cassandra_up()
