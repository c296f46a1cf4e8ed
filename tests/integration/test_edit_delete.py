"""Edits and soft deletes reach every copy: the cached first page, deep pages read from
Cassandra, direct-message history, the conversation list, the quotes of replies; deleted text
(and its earlier versions) is gone everywhere."""

import asyncio
import uuid

from aiohttp.test_utils import TestClient
from redis.asyncio import Redis

from chat_service.infra.cassandra import CassandraSession
from chat_service.infra.settings import Settings
from tests.integration.api import API, new_user, send_dm
from tests.integration.conversations_api import conversation_list, create_group, history, post

SECRET = "text that must vanish 7f3a"


async def _edit(client: TestClient, headers, conversation_id, message_id, content) -> int:
    response = await client.patch(
        f"{API}/conversations/{conversation_id}/messages/{message_id}",
        json={"content": content},
        headers=headers,
    )
    return response.status


async def _delete(client: TestClient, headers, conversation_id, message_id) -> int:
    response = await client.delete(
        f"{API}/conversations/{conversation_id}/messages/{message_id}", headers=headers
    )
    return response.status


async def test_edit_reaches_cache_and_deep_pages(client: TestClient, redis: Redis) -> None:
    _, headers = await new_user(client)
    group = await create_group(client, headers, [])
    first = await post(client, headers, group["id"], "original")
    for i in range(505):  # pushes `first` out of the 500-message cache
        await post(client, headers, group["id"], f"filler {i}")
    newest = (await history(client, headers, group["id"], limit=1))["messages"][0]
    assert await _edit(client, headers, group["id"], newest["id"], "edited new") == 200
    assert await _edit(client, headers, group["id"], first["id"], "edited old") == 200
    cached = (await history(client, headers, group["id"], limit=1))["messages"][0]
    assert cached["content"] == "edited new" and cached["edited_at"] is not None
    deep = await history(client, headers, group["id"], after=_before(first["id"]), limit=1)
    assert deep["messages"][0]["content"] == "edited old"
    one = await client.get(
        f"{API}/conversations/{group['id']}/messages/{first['id']}", headers=headers
    )
    assert (await one.json())["content"] == "edited old"
    await redis.flushdb()
    assert (await history(client, headers, group["id"], limit=1))["messages"][0][
        "content"
    ] == "edited new"


def _before(message_id: str) -> str:
    """A TIMEUUID a moment older than `message_id`, to read it with `after`."""
    value = uuid.UUID(message_id)
    return str(uuid.UUID(fields=(value.time_low - 1, *value.fields[1:])))


async def test_deleted_text_cannot_be_read_back_anywhere(client: TestClient, redis: Redis) -> None:
    _, ann_h = await new_user(client)
    bob, bob_h = await new_user(client)
    sent = await send_dm(client, ann_h, bob, SECRET)
    conversation = sent["conversation_id"]
    await history(client, bob_h, conversation)  # cached
    assert await _delete(client, ann_h, conversation, sent["id"]) == 204
    assert await _edit(client, ann_h, conversation, sent["id"], "resurrected") == 409
    for flush in (False, True):
        if flush:
            await redis.flushdb()
        bodies = [
            await (await client.get(f"{API}/messages", headers=bob_h)).text(),
            await (await client.get(f"{API}/messages", headers=ann_h)).text(),
            await (
                await client.get(f"{API}/conversations/{conversation}/messages", headers=bob_h)
            ).text(),
            await (
                await client.get(
                    f"{API}/conversations/{conversation}/messages/{sent['id']}", headers=bob_h
                )
            ).text(),
            str(await conversation_list(client, bob_h)),
        ]
        for body in bodies:
            assert SECRET not in body
        page = await history(client, bob_h, conversation)
        [tombstone] = page["messages"]
        assert tombstone["deleted"] is True and tombstone["content"] is None
        assert tombstone["id"] == sent["id"]
    keys = await redis.keys("*")
    values = [await redis.hgetall(k) for k in keys if await redis.type(k) == b"hash"]
    assert all(SECRET.encode() not in v for h in values for v in h.values())


async def test_concurrent_edit_and_delete_never_bring_text_back(
    client: TestClient, migrated: Settings
) -> None:
    _, headers = await new_user(client)
    group = await create_group(client, headers, [])
    raced = f"{SECRET} raced {uuid.uuid4().hex}"  # this test's texts alone
    for round_ in range(5):
        message = await post(client, headers, group["id"], f"{raced} {round_}")
        statuses = await asyncio.gather(
            _edit(client, headers, group["id"], message["id"], f"{raced} edited"),
            _delete(client, headers, group["id"], message["id"]),
            _edit(client, headers, group["id"], message["id"], f"{raced} again"),
        )
        assert statuses[1] == 204 and set(statuses[::2]) <= {200, 409}
        page = await history(client, headers, group["id"], limit=1)
        assert page["messages"][0]["deleted"] is True and page["messages"][0]["content"] is None
    assert not [text for text in await _cassandra_texts(migrated) if raced in text]


async def test_only_the_sender_edits(client: TestClient) -> None:
    _, ann_h = await new_user(client)
    bob, bob_h = await new_user(client)
    group = await create_group(client, ann_h, [bob])
    message = await post(client, ann_h, group["id"], "ann's")
    assert await _edit(client, bob_h, group["id"], message["id"], "bob's now") == 403
    assert await _edit(client, ann_h, group["id"], message["id"], "") == 400
    assert await _edit(client, ann_h, group["id"], message["id"], "x" * 4001) == 400


async def _cassandra_texts(settings: Settings) -> list[str]:
    """Every text column of every table that holds message text, whole-table scans (the
    test keyspace is small)."""
    db = await CassandraSession.connect(settings, keyspace=None)
    try:
        texts = []
        for table in ("messages_by_conversation", "messages_by_user", "message_versions"):
            rows = await db.execute(f"SELECT content FROM {settings.cassandra_keyspace}.{table}")
            texts += [row.content for row in rows if row.content]
        return texts
    finally:
        await db.close()


async def test_a_deleted_quote_is_gone_from_replies_and_every_store(
    client: TestClient, redis: Redis, migrated: Settings
) -> None:
    ann, ann_h = await new_user(client)
    bob, bob_h = await new_user(client)
    quoted = await send_dm(client, ann_h, bob, f"{SECRET} quoted")
    conversation = quoted["conversation_id"]
    assert await _edit(client, ann_h, conversation, quoted["id"], f"{SECRET} v2") == 200
    reply = await send_dm(client, bob_h, ann, "a reply", reply_to=quoted["id"])
    assert reply["reply_to"]["content"] == f"{SECRET} v2"
    await history(client, bob_h, conversation)  # cached, with the quote
    assert any(SECRET in text for text in await _cassandra_texts(migrated))
    assert await _delete(client, ann_h, conversation, quoted["id"]) == 204
    gone = {"id": quoted["id"], "sender": ann, "content": None, "deleted": True}
    for flush in (False, True):
        if flush:
            await redis.flushdb()
        for headers in (ann_h, bob_h):
            listing = await (await client.get(f"{API}/messages", headers=headers)).json()
            assert listing["messages"][0]["reply_to"] == gone
            page = await history(client, headers, conversation)
            assert page["messages"][0]["reply_to"] == gone
            assert SECRET not in str(listing) + str(page)
        one = await client.get(
            f"{API}/conversations/{conversation}/messages/{reply['id']}", headers=bob_h
        )
        assert (await one.json())["reply_to"] == gone
    keys = await redis.keys("*")
    values = [await redis.hgetall(k) for k in keys if await redis.type(k) == b"hash"]
    assert all(SECRET.encode() not in v for h in values for v in h.values())
    assert not [text for text in await _cassandra_texts(migrated) if SECRET in text]
