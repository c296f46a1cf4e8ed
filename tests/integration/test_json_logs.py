"""Every line on stdout is JSON in production: the service's own events, and what the
Cassandra driver and aiohttp log through the standard library."""

from __future__ import annotations

import json

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from chat_service.infra.cassandra import CassandraSession
from chat_service.infra.logging import configure_logging
from chat_service.infra.settings import Settings


def _lines(captured: str) -> list[dict[str, object]]:
    """Every line parsed as JSON: a line that is not JSON fails the test here."""
    return [json.loads(line) for line in captured.splitlines() if line.strip()]


@pytest.fixture
def json_logs(migrated: Settings):
    configure_logging("INFO", "json")
    yield
    configure_logging(migrated.log_level, "json")


async def test_a_cassandra_driver_warning_comes_out_as_json(
    migrated: Settings, json_logs: None, capfd: pytest.CaptureFixture[str]
) -> None:
    db = await CassandraSession.connect(migrated, keyspace=migrated.cassandra_keyspace)
    try:
        capfd.readouterr()
        # Cassandra answers an aggregate without a partition key with a client warning,
        # which the driver logs (logger cassandra.protocol, "Server warning: ...").
        await db.execute(f"SELECT count(*) FROM {migrated.cassandra_keyspace}.users")
    finally:
        await db.close()
    lines = _lines(capfd.readouterr().out)
    warnings = [line for line in lines if line.get("logger") == "cassandra.protocol"]
    assert warnings, lines
    assert warnings[0]["level"] == "warning"
    assert str(warnings[0]["event"]).startswith("Server warning: Aggregation query")
    assert "timestamp" in warnings[0]


async def test_an_aiohttp_error_comes_out_as_json_with_its_traceback(
    json_logs: None, capfd: pytest.CaptureFixture[str]
) -> None:
    async def broken(_: web.Request) -> web.Response:
        raise RuntimeError("handler bug")

    app = web.Application()  # no error middleware: aiohttp itself logs the failure
    app.router.add_get("/", broken)
    async with TestClient(TestServer(app)) as client:
        capfd.readouterr()
        assert (await client.get("/")).status == 500
    lines = _lines(capfd.readouterr().out)
    errors = [line for line in lines if line.get("logger") == "aiohttp.server"]
    assert errors and errors[0]["level"] == "error"
    assert "RuntimeError: handler bug" in str(errors[0]["exception"])
