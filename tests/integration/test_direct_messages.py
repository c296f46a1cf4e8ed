import asyncio
import uuid

from aiohttp.test_utils import TestClient
from redis.asyncio import Redis

from tests.integration.api import API, error_of, new_user, send_dm

MESSAGE_FIELDS = {"id", "conversation_id", "sender", "recipient", "content", "timestamp"}


async def history(client: TestClient, headers: dict[str, str], **params: object) -> dict:
    response = await client.get(
        f"{API}/messages/", params={k: str(v) for k, v in params.items()}, headers=headers
    )
    assert response.status == 200, await response.text()
    return await response.json()


async def test_send_answers_the_stored_message(client: TestClient) -> None:
    ann, ann_headers = await new_user(client, "ann")
    bob, bob_headers = await new_user(client, "bob")
    sent = await send_dm(client, ann_headers, bob.upper(), "hello bob")
    assert set(sent) >= MESSAGE_FIELDS
    assert (sent["sender"], sent["recipient"], sent["content"]) == (ann, bob, "hello bob")
    assert uuid.UUID(sent["id"]).version == 1 and sent["id"] == sent["id"].lower()
    assert sent["timestamp"].endswith("Z") and len(sent["timestamp"].split(".")[1]) == 10
    reply = await send_dm(client, bob_headers, ann, "hi ann")
    assert reply["conversation_id"] == sent["conversation_id"]


async def test_both_participants_see_the_history_newest_first(client: TestClient) -> None:
    ann, ann_headers = await new_user(client)
    bob, bob_headers = await new_user(client)
    ids = [(await send_dm(client, ann_headers, bob, f"m{i}"))["id"] for i in range(3)]
    ids.append((await send_dm(client, bob_headers, ann, "back"))["id"])
    for headers in (ann_headers, bob_headers):
        body = await history(client, headers)
        assert [m["id"] for m in body["messages"]] == ids[::-1]
        assert body["pagination"] == {
            "currentPage": 1,
            "pageSize": 10,  # the reference service's default (contract, second wave)
            "totalMessages": 4,
            "totalPages": 1,
            "nextCursor": None,
        }


async def test_send_errors(client: TestClient) -> None:
    ann, headers = await new_user(client)
    _, other = await new_user(client)
    cases = [
        (
            {"recipient": "nobody-" + uuid.uuid4().hex[:8], "content": "x"},
            404,
            "recipient_not_found",
        ),
        ({"recipient": "!!", "content": "x"}, 404, "recipient_not_found"),
        ({"recipient": ann, "content": "x"}, 400, "cannot_message_self"),
        ({"recipient": 7, "content": "x"}, 400, "invalid_input"),
        ({"content": "x"}, 400, "invalid_input"),
    ]
    for body, status, code in cases:
        response = await client.post(f"{API}/messages/send", json=body, headers=headers)
        assert response.status == status, body
        assert (await error_of(response))["code"] == code
    for content in ["", "  \n ", "x" * 4001, None, 12]:
        response = await client.post(
            f"{API}/messages/send", json={"recipient": ann, "content": content}, headers=other
        )
        assert response.status == 400, content
    unauthenticated = await client.post(
        f"{API}/messages/send", json={"recipient": ann, "content": "x"}
    )
    assert unauthenticated.status == 401


async def test_retry_with_client_message_id_stores_one_message(client: TestClient) -> None:
    _, headers = await new_user(client)
    bob, _ = await new_user(client)
    key = uuid.uuid4().hex
    results = await asyncio.gather(
        *(send_dm(client, headers, bob, "once", client_message_id=key) for _ in range(8))
    )
    assert len({result["id"] for result in results}) == 1
    again = await send_dm(client, headers, bob, "once", client_message_id=key)
    assert again["id"] == results[0]["id"]
    body = await history(client, headers)
    assert [m["id"] for m in body["messages"]] == [again["id"]]
    assert body["pagination"]["totalMessages"] == 1


async def test_a_client_message_id_reused_elsewhere_is_a_conflict(client: TestClient) -> None:
    _, headers = await new_user(client)
    bob, _ = await new_user(client)
    carol, _ = await new_user(client)
    key = uuid.uuid4().hex
    await send_dm(client, headers, bob, "to bob", client_message_id=key)
    response = await client.post(
        f"{API}/messages/send",
        json={"recipient": carol, "content": "to carol", "client_message_id": key},
        headers=headers,
    )
    assert response.status == 409
    assert (await error_of(response))["code"] == "client_message_id_conflict"


async def test_page_number_and_cursor_paging_agree(client: TestClient) -> None:
    _, headers = await new_user(client)
    bob, _ = await new_user(client)
    sent = [(await send_dm(client, headers, bob, f"n{i}"))["id"] for i in range(23)]
    newest_first = sent[::-1]
    by_page = []
    for page in (1, 2, 3):
        body = await history(client, headers, page=page, page_size=10)
        assert body["pagination"]["totalMessages"] == 23
        assert body["pagination"]["totalPages"] == 3
        by_page += [m["id"] for m in body["messages"]]
    assert by_page == newest_first
    by_cursor, cursor = [], None
    while True:
        params = {"limit": 10, **({"before": cursor} if cursor else {})}
        body = await history(client, headers, **params)
        by_cursor += [m["id"] for m in body["messages"]]
        cursor = body["pagination"]["nextCursor"]
        if cursor is None:
            break
    assert by_cursor == newest_first


async def test_paging_parameters_are_validated(client: TestClient) -> None:
    _, headers = await new_user(client)
    for params in [
        {"page": "0"},
        {"page_size": "101"},
        {"page_size": "x"},
        {"before": "zz"},
        {"before": str(uuid.uuid4())},
        {"limit": "0"},
        {"page_size": "10", "limit": "x"},
    ]:
        response = await client.get(f"{API}/messages", params=params, headers=headers)
        assert response.status == 400, params
        assert (await error_of(response))["details"]


async def test_concurrent_sends_cache_equals_cassandra(client: TestClient, redis: Redis) -> None:
    ann, ann_headers = await new_user(client)
    bob, bob_headers = await new_user(client)
    await history(client, ann_headers)  # fills ann's cached timeline before the storm
    sends = [send_dm(client, ann_headers, bob, f"a{i}") for i in range(40)]
    sends += [send_dm(client, bob_headers, ann, f"b{i}") for i in range(40)]
    sent = await asyncio.gather(*sends)
    expected = sorted((m["id"] for m in sent), key=lambda i: uuid.UUID(i).time, reverse=True)
    cached = await history(client, ann_headers, page_size=100)
    await redis.flushdb()
    stored = await history(client, ann_headers, page_size=100)
    assert [m["id"] for m in cached["messages"]] == [m["id"] for m in stored["messages"]]
    assert [m["id"] for m in stored["messages"]] == expected
    assert cached["pagination"]["totalMessages"] == stored["pagination"]["totalMessages"] == 80


async def test_history_works_without_redis_content(client: TestClient, redis: Redis) -> None:
    _, headers = await new_user(client)
    bob, _ = await new_user(client)
    ids = [(await send_dm(client, headers, bob, f"x{i}"))["id"] for i in range(5)]
    await redis.flushdb()
    body = await history(client, headers)
    assert [m["id"] for m in body["messages"]] == ids[::-1]
