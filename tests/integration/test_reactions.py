"""Reactions against the real stores: add, remove, list who reacted, and the summary on
every message of every history read, exact under concurrency, cached or not."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.test_utils import TestClient
from redis.asyncio import Redis

from tests.integration.api import API, error_of, new_user, send_dm
from tests.integration.conversations_api import create_group, history, post
from tests.integration.marks_api import react, reaction_path, reactions_of, unreact

THUMBS, PARTY, FAMILY = "👍", "🎉", "👨‍👩‍👧"  # FAMILY: joined by U+200D


async def _room(client: TestClient, members: int) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """A group of an admin and `members` members; the headers of all, the admin first."""
    _, admin_h = await new_user(client, "adm")
    people = [await new_user(client) for _ in range(members)]
    group = await create_group(client, admin_h, [name for name, _ in people])
    return group, [admin_h, *(headers for _, headers in people)]


async def test_twenty_concurrent_reactions_count_twenty_then_ten_cached_or_not(
    client: TestClient, redis: Redis
) -> None:
    group, everyone = await _room(client, 20)
    message = await post(client, everyone[0], group["id"], "react to me")
    await history(client, everyone[0], group["id"])  # the page is cached in Redis
    reactors = everyone[1:]
    statuses = await asyncio.gather(
        *(react(client, h, group["id"], message["id"], THUMBS) for h in reactors)
    )
    assert statuses == [204] * 20
    for reader, me in ((everyone[0], False), (reactors[0], True)):
        page = await history(client, reader, group["id"])
        assert reactions_of(page, message["id"]) == [{"emoji": THUMBS, "count": 20, "me": me}]
    statuses = await asyncio.gather(
        *(unreact(client, h, group["id"], message["id"], THUMBS) for h in reactors[:10])
    )
    assert statuses == [204] * 10
    expected = [{"emoji": THUMBS, "count": 10, "me": False}]
    cached = await history(client, everyone[0], group["id"])
    again = await history(client, everyone[0], group["id"])  # from this process's memory
    await redis.flushdb()
    flushed = await history(client, everyone[0], group["id"])
    for page in (cached, again, flushed):
        assert reactions_of(page, message["id"]) == expected
    one = await client.get(
        f"{API}/conversations/{group['id']}/messages/{message['id']}", headers=reactors[0]
    )
    assert (await one.json())["reactions"] == [{"emoji": THUMBS, "count": 10, "me": False}]


async def test_most_used_first_with_me_per_viewer_and_idempotent_calls(
    client: TestClient,
) -> None:
    group, (ann, bob, cyd) = await _room(client, 2)
    message = await post(client, ann, group["id"], "hello")
    for headers, emoji in ((ann, PARTY), (bob, THUMBS), (cyd, THUMBS), (bob, THUMBS)):
        assert await react(client, headers, group["id"], message["id"], emoji) == 204
    assert await react(client, ann, group["id"], message["id"], FAMILY) == 204
    page = await history(client, bob, group["id"])
    assert reactions_of(page, message["id"]) == [
        {"emoji": THUMBS, "count": 2, "me": True},
        {"emoji": PARTY, "count": 1, "me": False},
        {"emoji": FAMILY, "count": 1, "me": False},
    ]
    assert await unreact(client, cyd, group["id"], message["id"], PARTY) == 204  # not cyd's
    assert await unreact(client, ann, group["id"], message["id"], PARTY) == 204
    page = await history(client, ann, group["id"], around=message["id"], limit=3)
    assert [r["emoji"] for r in reactions_of(page, message["id"])] == [THUMBS, FAMILY]
    plain = await post(client, ann, group["id"], "nobody reacts")
    page = await history(client, ann, group["id"])
    assert reactions_of(page, plain["id"]) == []
    assert next(m for m in page["messages"] if m["id"] == plain["id"])["pinned"] is False


async def test_reactions_span_buckets_and_reach_deep_pages(client: TestClient) -> None:
    group, (ann, bob) = await _room(client, 1)
    first = await post(client, ann, group["id"], "old")
    for i in range(60):
        await post(client, ann, group["id"], f"filler {i}")
    assert await react(client, bob, group["id"], first["id"], PARTY) == 204
    newest = await history(client, ann, group["id"], limit=50)
    deeper = await history(client, ann, group["id"], before=newest["next_cursor"], limit=50)
    assert reactions_of(deeper, first["id"]) == [{"emoji": PARTY, "count": 1, "me": False}]


async def test_direct_message_reactions_reach_every_timeline(client: TestClient) -> None:
    _, ann_h = await new_user(client)
    bob, bob_h = await new_user(client)
    sent = await send_dm(client, ann_h, bob, "dm")
    conversation = sent["conversation_id"]
    assert await react(client, bob_h, conversation, sent["id"], THUMBS) == 204
    for headers, me in ((ann_h, False), (bob_h, True)):
        body = await (await client.get(f"{API}/messages", headers=headers)).json()
        assert reactions_of(body, sent["id"]) == [{"emoji": THUMBS, "count": 1, "me": me}]
    page = await history(client, ann_h, conversation)
    assert reactions_of(page, sent["id"]) == [{"emoji": THUMBS, "count": 1, "me": False}]
    assert await unreact(client, bob_h, conversation, sent["id"], THUMBS) == 204
    body = await (await client.get(f"{API}/messages", headers=ann_h)).json()
    assert reactions_of(body, sent["id"]) == []


async def test_who_reacted_pages_by_name_with_an_opaque_cursor(client: TestClient) -> None:
    group, everyone = await _room(client, 5)
    message = await post(client, everyone[0], group["id"], "vote")
    for headers in everyone:
        assert await react(client, headers, group["id"], message["id"], PARTY) == 204
    path = reaction_path(group["id"], message["id"], PARTY)
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        body = await (await client.get(path, params=params, headers=everyone[1])).json()
        seen += body["users"]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 6 and seen == sorted(seen) and len(set(seen)) == 6
    bad = await client.get(path, params={"cursor": "bm90LW91cnM"}, headers=everyone[1])
    assert bad.status == 400 and (await error_of(bad))["code"] == "invalid_input"
    none = await client.get(reaction_path(group["id"], message["id"], THUMBS), headers=everyone[1])
    assert await none.json() == {"users": [], "next_cursor": None}


async def test_bad_emoji_limits_outsiders_and_deleted_messages(client: TestClient) -> None:
    group, (ann, bob) = await _room(client, 1)
    _, eve = await new_user(client, "eve")
    message = await post(client, ann, group["id"], "limits")
    for emoji in ("x" * 33, " ", "a b", "\u0007"):
        response = await client.put(reaction_path(group["id"], message["id"], emoji), headers=bob)
        assert response.status == 400, emoji
        assert (await error_of(response))["code"] == "invalid_input"
    assert await react(client, bob, group["id"], message["id"], "x" * 32) == 204
    for i in range(19):
        assert await react(client, bob, group["id"], message["id"], f":e{i}:") == 204
    refused = await client.put(reaction_path(group["id"], message["id"], "🙂"), headers=bob)
    assert refused.status == 409
    assert (await error_of(refused))["code"] == "too_many_reactions"
    assert await react(client, bob, group["id"], message["id"], ":e0:") == 204  # has it: fine
    assert await react(client, ann, group["id"], message["id"], "🙂") == 204  # ann's own 20
    assert await react(client, eve, group["id"], message["id"], THUMBS) == 404
    assert await unreact(client, eve, group["id"], message["id"], THUMBS) == 404
    listed = await client.get(reaction_path(group["id"], message["id"], THUMBS), headers=eve)
    assert listed.status == 404
    missing = "00000000-0000-1000-8000-000000000000"
    assert await react(client, bob, group["id"], missing, THUMBS) == 404
    deleted = await client.delete(
        f"{API}/conversations/{group['id']}/messages/{message['id']}", headers=ann
    )
    assert deleted.status == 204
    gone = await client.put(reaction_path(group["id"], message["id"], THUMBS), headers=bob)
    assert gone.status == 409 and (await error_of(gone))["code"] == "message_deleted"
    page = await history(client, ann, group["id"])
    assert reactions_of(page, message["id"]) == []


async def test_reaction_events_reach_every_member_with_the_summary(client: TestClient) -> None:
    group, (ann, bob) = await _room(client, 1)
    message = await post(client, ann, group["id"], "live")
    token = ann["Authorization"].removeprefix("Bearer ")
    async with client.ws_connect(f"/ws?token={token}") as ws:
        await asyncio.sleep(0.2)  # subscribed before the reaction is published
        assert await react(client, bob, group["id"], message["id"], PARTY) == 204
        event = await _next(ws, "message.reactions")
        assert event["data"]["message_id"] == message["id"]
        assert event["data"]["conversation_id"] == group["id"]
        assert event["data"]["reactions"] == [{"emoji": PARTY, "count": 1}]
        assert event["data"]["username"] != "" and event["data"]["added"] is True
        assert event["data"]["emoji"] == PARTY
        edited = await client.patch(
            f"{API}/conversations/{group['id']}/messages/{message['id']}",
            json={"content": "live, edited"},
            headers=ann,
        )
        assert (await edited.json())["reactions"] == [{"emoji": PARTY, "count": 1, "me": False}]
        update = await _next(ws, "message.updated")
        assert update["data"]["reactions"] == [{"emoji": PARTY, "count": 1}]
        assert update["data"]["pinned"] is False


async def _next(ws: Any, kind: str) -> dict[str, Any]:
    async with asyncio.timeout(5):
        while True:
            frame = await ws.receive_json()
            if frame["type"] == kind:
                return frame
