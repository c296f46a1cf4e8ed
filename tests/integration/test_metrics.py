from aiohttp.test_utils import TestClient
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.api import API, new_user, send_dm


async def _samples(client: TestClient) -> dict[str, list]:
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.content_type == "text/plain"
    families = text_string_to_metric_families(await response.text())
    return {family.name: family.samples for family in families}


async def test_metrics_use_route_templates_and_cover_the_stores(client: TestClient) -> None:
    _, headers = await new_user(client)
    bob, _ = await new_user(client)
    await send_dm(client, headers, bob, "counted")
    await client.get(f"{API}/messages", headers=headers)
    samples = await _samples(client)
    routes = {s.labels["route"] for s in samples["http_requests"]}
    assert "/api/v1/messages/send" in routes and "/api/v1/auth/login" in routes
    assert not any(bob in route for route in routes)  # never raw values
    statements = {s.labels["statement"] for s in samples["cassandra_statement_duration_seconds"]}
    assert "SELECT users" in statements and "BATCH" in statements
    assert {s.labels["store"]: s.value for s in samples["store_up"]} == {
        "cassandra": 1.0,
        "redis": 1.0,
    }
    stored = {s.labels["kind"]: s.value for s in samples["messages_stored"]}
    assert stored["direct"] >= 1
    assert "hit" in {s.labels["result"] for s in samples["cache_requests"]}
    for name in ("websocket_connections", "process_resident_memory_bytes", "login_failures"):
        assert name in samples
