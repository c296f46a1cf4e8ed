"""Shared fixtures: settings for the test keyspace, a migrated schema, and an HTTP client
over the real application, all once per session."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from redis.asyncio import Redis

from chat_service.app import create_app
from chat_service.infra.cassandra import CassandraSession
from chat_service.infra.logging import configure_logging
from chat_service.infra.migrations import migrate
from chat_service.infra.settings import Settings, load_settings
from tests.stores import store_environment

TEST_DEFAULTS = {
    "APP_ENV": "test",
    "CASSANDRA_KEYSPACE": "chat_test",
    "REDIS_URL": "redis://127.0.0.1:6379/1",
    "BCRYPT_COST": "4",
    "LOG_LEVEL": "WARNING",
    # Tests send far faster than a person; the limits have their own tests.
    "SEND_LIMIT_PER_MINUTE": "1000000",
    "SEND_LIMIT_PER_DAY": "1000000",
    "EMAIL_REQUESTS_PER_ACCOUNT_PER_HOUR": "1000000",
    "EMAIL_REQUESTS_PER_ADDRESS_PER_HOUR": "1000000",
}


@pytest.fixture(scope="session")
def settings() -> Iterator[Settings]:
    """Test defaults, overridden by the environment (`make test` sets the stores' addresses),
    overridden by testcontainers when asked for."""
    with store_environment() as overrides:
        environment = {name: os.environ.get(name, value) for name, value in TEST_DEFAULTS.items()}
        environment.update(overrides)
        settings = load_settings(**{name.lower(): value for name, value in environment.items()})
        assert settings.cassandra_keyspace.endswith("_test"), "tests drop their keyspace"
        configure_logging(settings.log_level, "json")
        yield settings


@pytest.fixture(scope="session")
async def migrated(settings: Settings) -> Settings:
    """A fresh test keyspace with every migration applied, and an empty test Redis db."""
    db = await CassandraSession.connect(settings, keyspace=None)
    try:
        await db.execute(f"DROP KEYSPACE IF EXISTS {settings.cassandra_keyspace}")
    finally:
        await db.close()
    await migrate(settings)
    redis = Redis.from_url(settings.redis_url)
    await redis.flushdb()
    await redis.aclose()
    return settings


@pytest.fixture(scope="session")
async def client(migrated: Settings) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(create_app(migrated))) as client:
        yield client


@pytest.fixture(scope="session")
async def redis(migrated: Settings) -> AsyncIterator[Redis]:
    client = Redis.from_url(migrated.redis_url)
    yield client
    await client.aclose()


def unique_name(prefix: str = "u") -> str:
    """A fresh valid username, so tests never collide within or across runs."""
    return f"{prefix}{uuid.uuid4().hex[:12]}"
