"""What a client of the reference Go service sends, with its own parameter names
(contract, "Compatibility with the reference Go service")."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from tests.integration.api import API, new_user, send_dm


async def _sent(client: TestClient, count: int) -> tuple[dict[str, str], list[str]]:
    """A user who sent `count` messages, and their ids newest first."""
    _, headers = await new_user(client)
    bob, _ = await new_user(client)
    ids = [(await send_dm(client, headers, bob, f"m{i}"))["id"] for i in range(count)]
    return headers, ids[::-1]


async def test_page_2_of_size_3_is_messages_4_to_6(client: TestClient) -> None:
    headers, newest_first = await _sent(client, 7)
    for path in (f"{API}/messages/", f"{API}/messages"):
        response = await client.get(path, params={"page": "2", "pageSize": "3"}, headers=headers)
        assert response.status == 200
        body = await response.json()
        assert [m["id"] for m in body["messages"]] == newest_first[3:6]
        assert body["pagination"]["currentPage"] == 2
        assert body["pagination"]["pageSize"] == 3
        assert body["pagination"]["totalMessages"] == 7
        assert body["pagination"]["totalPages"] == 3


async def test_without_parameters_a_page_is_10_messages(client: TestClient) -> None:
    headers, newest_first = await _sent(client, 12)
    response = await client.get(f"{API}/messages/", headers=headers)
    body = await response.json()
    assert [m["id"] for m in body["messages"]] == newest_first[:10]
    assert body["pagination"]["pageSize"] == 10
    assert body["pagination"]["totalPages"] == 2
    last = await client.get(f"{API}/messages/", params={"page": "2"}, headers=headers)
    assert [m["id"] for m in (await last.json())["messages"]] == newest_first[10:]


async def test_a_bad_page_size_names_the_parameter_sent(client: TestClient) -> None:
    _, headers = await new_user(client)
    response = await client.get(f"{API}/messages/", params={"pageSize": "0"}, headers=headers)
    assert response.status == 400
    assert set((await response.json())["error"]["details"]) == {"pageSize"}


async def test_health_answers_the_reference_status(client: TestClient) -> None:
    body = await (await client.get(f"{API}/health")).json()
    assert body["Status"] == "ALIVE"
    assert body["checks"] == {"cassandra": "up", "redis": "up"}
