"""Pins against the real stores: who may pin, the list, `pinned` on every read, events,
deleting a message unpins it, and Cassandra (not Redis) holds them."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.test_utils import TestClient
from redis.asyncio import Redis

from tests.integration.api import API, error_of, new_user, send_dm
from tests.integration.conversations_api import group_with_roles, history, post
from tests.integration.marks_api import pin, pins, unpin


def _pinned(page: dict[str, Any], message_id: str) -> bool:
    return next(m for m in page["messages"] if m["id"] == message_id)["pinned"]


async def test_admins_pin_in_groups_and_pins_survive_a_redis_flush(
    client: TestClient, redis: Redis
) -> None:
    roles = await group_with_roles(client)
    room = roles["id"]
    _, creator = roles["creator"]
    _, admin = roles["admin"]
    _, member = roles["member"]
    _, outsider = roles["outsider"]
    first = await post(client, member, room, "first")
    second = await post(client, member, room, "second")
    await history(client, member, room)  # cached before the pins
    assert await pin(client, member, room, first["id"]) == 403
    assert await pin(client, outsider, room, first["id"]) == 404
    assert await pins(client, member, room) == []
    assert await pin(client, admin, room, first["id"]) == 204
    assert await pin(client, creator, room, second["id"]) == 204
    assert await pin(client, creator, room, second["id"]) == 204  # idempotent
    listed = await pins(client, member, room)
    assert [m["id"] for m in listed] == [second["id"], first["id"]]  # latest pin first
    assert all(m["pinned"] for m in listed)
    page = await history(client, member, room)
    assert _pinned(page, first["id"]) and _pinned(page, second["id"])
    await redis.flushdb()
    assert [m["id"] for m in await pins(client, member, room)] == [second["id"], first["id"]]
    page = await history(client, member, room)
    assert _pinned(page, first["id"]) and _pinned(page, second["id"])
    one = await client.get(f"{API}/conversations/{room}/messages/{first['id']}", headers=member)
    assert (await one.json())["pinned"] is True
    assert await unpin(client, member, room, first["id"]) == 403
    assert await unpin(client, admin, room, first["id"]) == 204
    assert await unpin(client, admin, room, first["id"]) == 204  # idempotent
    page = await history(client, member, room)
    assert not _pinned(page, first["id"]) and _pinned(page, second["id"])


async def test_either_member_pins_a_direct_conversation_and_delete_unpins(
    client: TestClient,
) -> None:
    ann, ann_h = await new_user(client)
    bob, bob_h = await new_user(client)
    sent = await send_dm(client, ann_h, bob, "pin me")
    conversation = sent["conversation_id"]
    assert await pin(client, bob_h, conversation, sent["id"]) == 204
    body = await (await client.get(f"{API}/messages", headers=ann_h)).json()
    assert next(m for m in body["messages"] if m["id"] == sent["id"])["pinned"] is True
    token = bob_h["Authorization"].removeprefix("Bearer ")
    async with client.ws_connect(f"/ws?token={token}") as ws:
        await asyncio.sleep(0.2)
        deleted = await client.delete(
            f"{API}/conversations/{conversation}/messages/{sent['id']}", headers=ann_h
        )
        assert deleted.status == 204
        event = await _next(ws, "conversation.pins")
    assert event["data"] == {
        "conversation_id": conversation,
        "message_id": sent["id"],
        "pinned": False,
    }
    assert await pins(client, bob_h, conversation) == []
    body = await (await client.get(f"{API}/messages", headers=ann_h)).json()
    assert next(m for m in body["messages"] if m["id"] == sent["id"])["pinned"] is False
    refused = await client.put(
        f"{API}/conversations/{conversation}/pins/{sent['id']}", headers=bob_h
    )
    assert refused.status == 409 and (await error_of(refused))["code"] == "message_deleted"
    assert ann != bob


async def test_pin_events_and_the_pin_limit(client: TestClient) -> None:
    roles = await group_with_roles(client)
    room = roles["id"]
    creator, creator_h = roles["creator"]
    _, member_h = roles["member"]
    messages = [await post(client, member_h, room, f"m{i}") for i in range(51)]
    token = member_h["Authorization"].removeprefix("Bearer ")
    async with client.ws_connect(f"/ws?token={token}") as ws:
        await asyncio.sleep(0.2)
        assert await pin(client, creator_h, room, messages[0]["id"]) == 204
        event = await _next(ws, "conversation.pins")
    assert event["data"] == {
        "conversation_id": room,
        "message_id": messages[0]["id"],
        "username": creator,
        "pinned": True,
    }
    for message in messages[1:50]:
        assert await pin(client, creator_h, room, message["id"]) == 204
    refused = await client.put(
        f"{API}/conversations/{room}/pins/{messages[50]['id']}", headers=creator_h
    )
    assert refused.status == 409 and (await error_of(refused))["code"] == "too_many_pins"
    assert len(await pins(client, member_h, room)) == 50
    missing = "00000000-0000-1000-8000-000000000000"
    assert await pin(client, creator_h, room, missing) == 404


async def _next(ws: Any, kind: str) -> dict[str, Any]:
    async with asyncio.timeout(5):
        while True:
            frame = await ws.receive_json()
            if frame["type"] == kind:
                return frame
