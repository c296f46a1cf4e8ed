import asyncio
import socket

from aiohttp.test_utils import TestClient, TestServer

from chat_service.app import create_app
from chat_service.infra.cassandra import CassandraSession
from chat_service.infra.settings import Settings
from tests.integration.api import API
from tools.local_redis import localredis


async def test_health_reports_every_store_up(client: TestClient) -> None:
    response = await client.get(f"{API}/health")
    assert response.status == 200
    body = await response.json()
    assert body["checks"] == {"cassandra": "up", "redis": "up"}
    assert body["Status"] == "ALIVE"  # the reference value (contract, second wave)
    assert body["HeartBeat"].endswith("Z") and len(body["HeartBeat"].split(".")[1]) == 10
    assert isinstance(body["Message"], str)


async def test_ready_when_cassandra_answers(client: TestClient) -> None:
    response = await client.get(f"{API}/ready")
    assert response.status == 200


async def test_cassandra_reports_its_release_version(migrated: Settings) -> None:
    db = await CassandraSession.connect(migrated, keyspace=None)
    try:
        rows = await db.execute("SELECT release_version FROM system.local")
    finally:
        await db.close()
    assert rows[0].release_version.split(".")[0] in {"4", "5"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_health_sees_redis_go_down_and_the_process_stays_up(
    migrated: Settings, tmp_path
) -> None:
    port = _free_port()
    await asyncio.to_thread(localredis.start_redis, port, tmp_path)
    settings = migrated.model_copy(update={"redis_url": f"redis://127.0.0.1:{port}/0"})
    async with TestClient(TestServer(create_app(settings))) as own:
        before = await (await own.get(f"{API}/health")).json()
        await asyncio.to_thread(localredis.stop_redis, port, tmp_path)
        response = await own.get(f"{API}/health")
        after = await response.json()
        ready = await own.get(f"{API}/ready")
    assert before["checks"] == {"cassandra": "up", "redis": "up"}
    assert response.status == 200
    assert after["checks"] == {"cassandra": "up", "redis": "down"}
    assert after["Status"] != "OK"
    assert ready.status == 200  # Redis holds derived data only


async def test_unknown_route_is_a_json_404(client: TestClient) -> None:
    response = await client.get(f"{API}/nope")
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "not_found"


async def test_request_id_is_echoed_or_generated(client: TestClient) -> None:
    given = await client.get(f"{API}/health", headers={"X-Request-ID": "abc-123"})
    assert given.headers["X-Request-ID"] == "abc-123"
    generated = await client.get(f"{API}/health")
    assert len(generated.headers["X-Request-ID"]) == 32
