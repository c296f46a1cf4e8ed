"""Replies: `reply_to` on both send calls, the quote as it is now in every read and event."""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp.test_utils import TestClient
from redis.asyncio import Redis

from tests.integration.api import API, error_of, new_user, send_dm
from tests.integration.conversations_api import create_group, history, post


async def _one(client: TestClient, headers, conversation_id: str, message_id: str) -> Any:
    response = await client.get(
        f"{API}/conversations/{conversation_id}/messages/{message_id}", headers=headers
    )
    assert response.status == 200
    return await response.json()


async def test_a_reply_shows_the_quote_as_it_is_now(client: TestClient, redis: Redis) -> None:
    ann, ann_h = await new_user(client)
    bob, bob_h = await new_user(client)
    group = await create_group(client, ann_h, [bob])
    quoted = await post(client, ann_h, group["id"], "q" * 250)
    reply = await post(client, bob_h, group["id"], "indeed", reply_to=quoted["id"])
    expected = {"id": quoted["id"], "sender": ann, "content": "q" * 200, "deleted": False}
    assert reply["reply_to"] == expected
    assert quoted["reply_to"] is None and quoted["mentions"] == []
    edited = await client.patch(
        f"{API}/conversations/{group['id']}/messages/{quoted['id']}",
        json={"content": "better words"},
        headers=ann_h,
    )
    assert edited.status == 200
    now = {**expected, "content": "better words"}
    for flush in (False, True):
        if flush:
            await redis.flushdb()
        page = await history(client, bob_h, group["id"])
        assert page["messages"][0]["reply_to"] == now
        assert (await _one(client, bob_h, group["id"], reply["id"]))["reply_to"] == now


async def test_a_quote_outside_the_page_is_read_with_it(client: TestClient) -> None:
    _, ann_h = await new_user(client)
    group = await create_group(client, ann_h, [])
    quoted = await post(client, ann_h, group["id"], "far back")
    for i in range(3):
        await post(client, ann_h, group["id"], f"filler {i}")
    replies = [
        await post(client, ann_h, group["id"], f"re {i}", reply_to=quoted["id"]) for i in range(2)
    ]
    page = await history(client, ann_h, group["id"], limit=2)
    assert [m["id"] for m in page["messages"]] == [r["id"] for r in reversed(replies)]
    assert all(m["reply_to"]["content"] == "far back" for m in page["messages"])
    deep = await history(client, ann_h, group["id"], before=replies[0]["id"], limit=10)
    assert deep["messages"][-1]["id"] == quoted["id"]


async def test_a_direct_reply_is_quoted_in_both_histories(client: TestClient) -> None:
    ann, ann_h = await new_user(client)
    bob, bob_h = await new_user(client)
    first = await send_dm(client, ann_h, bob, "lunch?")
    reply = await send_dm(client, bob_h, ann, "yes", reply_to=first["id"])
    assert reply["reply_to"]["content"] == "lunch?"
    for headers in (ann_h, bob_h):
        listing = await (await client.get(f"{API}/messages", headers=headers)).json()
        assert listing["messages"][0]["reply_to"]["id"] == first["id"]
        assert listing["messages"][1]["reply_to"] is None


async def test_reply_to_must_be_a_live_message_of_the_conversation(client: TestClient) -> None:
    _ann, ann_h = await new_user(client)
    bob, bob_h = await new_user(client)
    group = await create_group(client, ann_h, [bob])
    elsewhere = await create_group(client, ann_h, [])
    foreign = await post(client, ann_h, elsewhere["id"], "not here")
    gone = await post(client, ann_h, group["id"], "soon gone")
    deleted = await client.delete(
        f"{API}/conversations/{group['id']}/messages/{gone['id']}", headers=ann_h
    )
    assert deleted.status == 204
    missing = str(uuid.uuid1())
    for reply_to in (foreign["id"], gone["id"], missing):
        response = await client.post(
            f"{API}/conversations/{group['id']}/messages",
            json={"content": "re", "reply_to": reply_to},
            headers=bob_h,
        )
        assert response.status == 400
        assert (await error_of(response))["code"] == "invalid_reply_to"
    for bad in ("not-an-id", 7, str(uuid.uuid4())):
        response = await client.post(
            f"{API}/conversations/{group['id']}/messages",
            json={"content": "re", "reply_to": bad},
            headers=bob_h,
        )
        assert response.status == 400
    dm = await client.post(
        f"{API}/messages/send",
        json={"recipient": bob, "content": "re", "reply_to": foreign["id"]},
        headers=ann_h,
    )
    assert dm.status == 400
    assert (await history(client, bob_h, group["id"]))["messages"][0]["id"] == gone["id"]


async def test_events_carry_the_quote(client: TestClient) -> None:
    _ann, ann_h = await new_user(client)
    bob, bob_h = await new_user(client)
    group = await create_group(client, ann_h, [bob])
    quoted = await post(client, ann_h, group["id"], f"hello @{bob}")
    token = bob_h["Authorization"].removeprefix("Bearer ")
    async with client.ws_connect(f"/ws?token={token}") as ws:
        await ws.send_json({"type": "ping"})  # answered once the hub holds the connection
        assert (await ws.receive_json(timeout=30))["type"] == "pong"
        reply = await post(client, ann_h, group["id"], "again", reply_to=quoted["id"])
        created = await ws.receive_json(timeout=30)
        while created["type"] != "message.created":
            created = await ws.receive_json(timeout=30)
        assert created["data"]["id"] == reply["id"]
        assert created["data"]["reply_to"]["content"] == f"hello @{bob}"
        edited = await client.patch(
            f"{API}/conversations/{group['id']}/messages/{reply['id']}",
            json={"content": "again, edited"},
            headers=ann_h,
        )
        assert edited.status == 200
        updated = await ws.receive_json(timeout=30)
        assert updated["type"] == "message.updated"
        assert updated["data"]["reply_to"]["id"] == quoted["id"]
    assert quoted["mentions"] == [bob]


async def test_a_retried_reply_answers_with_its_quote(client: TestClient) -> None:
    _, ann_h = await new_user(client)
    group = await create_group(client, ann_h, [])
    quoted = await post(client, ann_h, group["id"], "the question")
    body = {"reply_to": quoted["id"], "client_message_id": "retry-1"}
    first = await post(client, ann_h, group["id"], "the answer", **body)
    again = await post(client, ann_h, group["id"], "the answer", **body)
    assert again["id"] == first["id"]
    assert again["reply_to"] == first["reply_to"] and first["reply_to"]["content"] == "the question"
