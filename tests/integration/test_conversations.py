import asyncio
import uuid

from aiohttp.test_utils import TestClient
from redis.asyncio import Redis

from tests.integration.api import API, error_of, new_user, send_dm
from tests.integration.conversations_api import (
    conversation_list,
    create_group,
    group_with_roles,
    history,
    post,
)


async def test_group_creation_answers_the_conversation(client: TestClient) -> None:
    creator, headers = await new_user(client)
    bob, _ = await new_user(client)
    group = await create_group(client, headers, [bob.upper(), creator], name="Ops")
    assert group["type"] == "group" and group["name"] == "Ops" and group["is_private"] is False
    assert group["created_by"] == creator
    roles = {m["username"]: m["role"] for m in group["members"]}
    assert roles == {creator: "admin", bob: "member"}
    detail = await client.get(f"{API}/conversations/{group['id']}", headers=headers)
    assert (await detail.json())["members"] == group["members"]


async def test_group_creation_validates(client: TestClient) -> None:
    _, headers = await new_user(client)
    cases = [
        ({"name": "", "members": []}, 400),
        ({"name": "x" * 101, "members": []}, 400),
        ({"name": "ok", "members": "bob"}, 400),
        ({"name": "ok", "members": [], "is_private": "yes"}, 400),
        ({"name": "ok", "members": [""]}, 400),
        ({"name": "ok", "members": ["bad name"]}, 400),
        ({"name": "ok", "members": ["nobody-" + uuid.uuid4().hex[:6]]}, 404),
    ]
    for body, status in cases:
        response = await client.post(f"{API}/conversations", json=body, headers=headers)
        assert response.status == status, body
        await error_of(response)


async def test_direct_conversation_is_shared_and_listed_for_both(client: TestClient) -> None:
    ann, ann_h = await new_user(client)
    bob, bob_h = await new_user(client)
    sent = await send_dm(client, ann_h, bob, "first")
    for headers, peer in ((ann_h, bob), (bob_h, ann)):
        listing = await conversation_list(client, headers)
        [item] = listing["conversations"]
        assert item["id"] == sent["conversation_id"] and item["type"] == "direct"
        assert item["peer"] == peer and item["last_message"]["id"] == sent["id"]
    assert (await conversation_list(client, bob_h))["conversations"][0]["unread_count"] == 1
    assert (await conversation_list(client, ann_h))["conversations"][0]["unread_count"] == 0
    reply = await post(client, bob_h, sent["conversation_id"], "reply")
    assert reply["recipient"] == ann
    page = await history(client, ann_h, sent["conversation_id"])
    assert [m["id"] for m in page["messages"]] == [reply["id"], sent["id"]]


async def test_unread_counts_and_read_markers(client: TestClient) -> None:
    ann, ann_h = await new_user(client)
    bob, bob_h = await new_user(client)
    group = await create_group(client, ann_h, [bob])
    sent = [await post(client, ann_h, group["id"], f"m{i}") for i in range(5)]
    await post(client, bob_h, group["id"], "mine")  # own messages never count
    [item] = (await conversation_list(client, bob_h))["conversations"]
    assert item["unread_count"] == 0  # sending marks everything before it read
    more = [await post(client, ann_h, group["id"], f"n{i}") for i in range(3)]
    [item] = (await conversation_list(client, bob_h))["conversations"]
    assert item["unread_count"] == 3
    read = await client.post(
        f"{API}/conversations/{group['id']}/read", json={"message_id": more[0]["id"]}, headers=bob_h
    )
    assert read.status == 204
    [item] = (await conversation_list(client, bob_h))["conversations"]
    assert item["unread_count"] == 2
    # A marker never moves backwards.
    await client.post(
        f"{API}/conversations/{group['id']}/read", json={"message_id": sent[0]["id"]}, headers=bob_h
    )
    [item] = (await conversation_list(client, bob_h))["conversations"]
    assert item["unread_count"] == 2
    detail = await (await client.get(f"{API}/conversations/{group['id']}", headers=ann_h)).json()
    seen = {m["username"]: m["last_read_message_id"] for m in detail["members"]}
    assert seen[bob] == more[0]["id"] and seen[ann] == more[-1]["id"]
    bad = await client.post(
        f"{API}/conversations/{group['id']}/read", json={"message_id": "nope"}, headers=bob_h
    )
    assert bad.status == 400


async def test_list_orders_by_activity_filters_and_pages(client: TestClient) -> None:
    _, headers = await new_user(client)
    friend, _ = await new_user(client, "friendly")
    groups = [await create_group(client, headers, [friend], name=f"Room {i}") for i in range(4)]
    await post(client, headers, groups[1]["id"], "bump")
    dm = await send_dm(client, headers, friend, "hello")
    listing = await conversation_list(client, headers)
    ids = [item["id"] for item in listing["conversations"]]
    assert ids[:2] == [dm["conversation_id"], groups[1]["id"]]
    assert set(ids) == {dm["conversation_id"], *(g["id"] for g in groups)}
    paged, cursor = [], None
    while True:
        body = await conversation_list(
            client, headers, limit=2, **({"cursor": cursor} if cursor else {})
        )
        paged += [item["id"] for item in body["conversations"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert paged == ids
    by_name = await conversation_list(client, headers, q="ROOM 2")
    assert [item["id"] for item in by_name["conversations"]] == [groups[2]["id"]]
    by_peer = await conversation_list(client, headers, q=friend[3:9])
    assert [item["id"] for item in by_peer["conversations"]] == [dm["conversation_id"]]
    bad = await client.get(f"{API}/conversations", params={"cursor": "@@"}, headers=headers)
    assert bad.status == 400


async def test_public_groups_can_be_joined_private_ones_cannot(client: TestClient) -> None:
    _, owner_h = await new_user(client)
    joiner, joiner_h = await new_user(client)
    public = await create_group(client, owner_h, [], is_private=False)
    private = await create_group(client, owner_h, [], is_private=True)
    assert (
        await client.post(f"{API}/conversations/{public['id']}/join", headers=joiner_h)
    ).status == 204
    assert (
        await client.post(f"{API}/conversations/{public['id']}/join", headers=joiner_h)
    ).status == 204
    refused = await client.post(f"{API}/conversations/{private['id']}/join", headers=joiner_h)
    assert refused.status == 403
    missing = await client.post(f"{API}/conversations/{uuid.uuid4()}/join", headers=joiner_h)
    assert missing.status == 404
    page = await history(client, owner_h, public["id"])
    [event] = page["messages"]
    assert event["type"] == "member_joined" and event["sender"] == joiner
    assert event["content"] is None


async def test_removed_member_loses_access_at_once(client: TestClient) -> None:
    roles = await group_with_roles(client)
    group, (member, member_h) = roles["id"], roles["member"]
    _, admin_h = roles["admin"]
    await post(client, member_h, group, "before removal")
    removed = await client.delete(f"{API}/conversations/{group}/members/{member}", headers=admin_h)
    assert removed.status == 204
    for method, path in [
        ("GET", f"/conversations/{group}"),
        ("GET", f"/conversations/{group}/messages"),
        ("POST", f"/conversations/{group}/messages"),
    ]:
        response = await client.request(
            method, f"{API}{path}", json={"content": "x"}, headers=member_h
        )
        assert response.status == 404, path
    listing = await conversation_list(client, member_h)
    assert group not in [item["id"] for item in listing["conversations"]]
    events = [
        m for m in (await history(client, admin_h, group))["messages"] if m["type"] != "message"
    ]
    assert events[0]["type"] == "member_left" and events[0]["sender"] == member


async def test_members_can_leave_but_only_the_creator_removes_the_creator(
    client: TestClient,
) -> None:
    roles = await group_with_roles(client)
    group = roles["id"]
    creator, creator_h = roles["creator"]
    admin, admin_h = roles["admin"]
    member, member_h = roles["member"]
    assert (
        await client.delete(f"{API}/conversations/{group}/members/{creator}", headers=admin_h)
    ).status == 403
    demote = await client.patch(
        f"{API}/conversations/{group}/members/{creator}", json={"role": "member"}, headers=admin_h
    )
    assert demote.status == 403
    assert (
        await client.delete(f"{API}/conversations/{group}/members/{admin}", headers=member_h)
    ).status == 403
    assert (
        await client.delete(f"{API}/conversations/{group}/members/{member}", headers=member_h)
    ).status == 204
    assert (
        await client.delete(f"{API}/conversations/{group}/members/{creator}", headers=creator_h)
    ).status == 204


async def test_concurrent_group_sends_cache_equals_cassandra(
    client: TestClient, redis: Redis
) -> None:
    _, creator_h = await new_user(client)
    people = [await new_user(client) for _ in range(9)]
    group = await create_group(client, creator_h, [name for name, _ in people])
    senders = [creator_h] + [headers for _, headers in people]
    await history(client, creator_h, group["id"])  # cached before the storm
    sent = await asyncio.gather(
        *(
            post(client, headers, group["id"], f"{n}-{i}")
            for n, headers in enumerate(senders)
            for i in range(10)
        )
    )
    expected = sorted((m["id"] for m in sent), key=lambda i: uuid.UUID(i).time, reverse=True)
    cached = await history(client, creator_h, group["id"], limit=100)
    await redis.flushdb()
    stored = await history(client, creator_h, group["id"], limit=100)
    assert [m["id"] for m in cached["messages"]] == expected
    assert [m["id"] for m in stored["messages"]] == expected
    assert cached == stored


async def test_paging_while_others_send_never_repeats_or_skips(client: TestClient) -> None:
    _, ann_h = await new_user(client)
    bob, bob_h = await new_user(client)
    group = await create_group(client, ann_h, [bob])
    existing = [(await post(client, ann_h, group["id"], f"old {i}"))["id"] for i in range(60)]
    stop = asyncio.Event()

    async def keep_sending() -> None:
        while not stop.is_set():
            await post(client, bob_h, group["id"], "new")

    sender = asyncio.create_task(keep_sending())
    seen: list[str] = []
    body = await history(client, ann_h, group["id"], limit=7)
    seen += [m["id"] for m in body["messages"]]
    while body["next_cursor"]:
        body = await history(client, ann_h, group["id"], limit=7, before=body["next_cursor"])
        seen += [m["id"] for m in body["messages"]]
    stop.set()
    await sender
    assert len(seen) == len(set(seen))
    old_seen = [i for i in seen if i in set(existing)]
    assert old_seen == existing[::-1]


async def test_after_and_around(client: TestClient, redis: Redis) -> None:
    _, headers = await new_user(client)
    group = await create_group(client, headers, [])
    ids = [(await post(client, headers, group["id"], f"m{i}"))["id"] for i in range(12)]
    for flush in (False, True):
        if flush:
            await redis.flushdb()
        after = await history(client, headers, group["id"], after=ids[3], limit=4)
        assert [m["id"] for m in after["messages"]] == ids[4:8][::-1]
        assert after["next_cursor"] == ids[7]
        tail = await history(client, headers, group["id"], after=ids[7], limit=10)
        assert [m["id"] for m in tail["messages"]] == ids[8:][::-1] and tail["next_cursor"] is None
        around = await history(client, headers, group["id"], around=ids[6], limit=5)
        assert [m["id"] for m in around["messages"]] == ids[4:9][::-1]
    one = await client.get(f"{API}/conversations/{group['id']}/messages/{ids[2]}", headers=headers)
    assert (await one.json())["content"] == "m2"
    both = await client.get(
        f"{API}/conversations/{group['id']}/messages",
        params={"before": ids[2], "after": ids[1]},
        headers=headers,
    )
    assert both.status == 400


async def test_attachments_are_validated(client: TestClient) -> None:
    _, headers = await new_user(client)
    group = await create_group(client, headers, [])
    sent = await post(
        client,
        headers,
        group["id"],
        "",
        attachment={"type": "image", "url": "https://x.test/a.png"},
    )
    assert sent["attachment"] == {"type": "image", "url": "https://x.test/a.png"}
    for attachment in [
        {"type": "pdf", "url": "https://x.test/a"},
        {"type": "file", "url": "ftp://x.test/a"},
        {"type": "file", "url": "javascript:alert(1)"},
        {"type": "file"},
        {"type": {}, "url": "https://x.test/a"},
        {"type": "file", "url": ["https://x.test/a"]},
        "https://x.test/a",
    ]:
        response = await client.post(
            f"{API}/conversations/{group['id']}/messages",
            json={"content": "x", "attachment": attachment},
            headers=headers,
        )
        assert response.status == 400, attachment


async def test_a_cache_miss_fills_from_cassandra_once(client: TestClient, redis: Redis) -> None:
    from prometheus_client import REGISTRY

    _, headers = await new_user(client)
    group = await create_group(client, headers, [])
    for i in range(5):
        await post(client, headers, group["id"], f"m{i}")
    await redis.flushdb()
    sample = (
        "cassandra_statement_duration_seconds_count",
        {"statement": "SELECT messages_by_conversation"},
    )
    before = REGISTRY.get_sample_value(*sample) or 0
    pages = await asyncio.gather(*(history(client, headers, group["id"]) for _ in range(20)))
    reads = (REGISTRY.get_sample_value(*sample) or 0) - before
    assert all(len(page["messages"]) == 5 for page in pages)
    assert reads <= 2  # one fill for twenty concurrent misses (not twenty reads)
