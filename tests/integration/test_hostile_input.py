"""Hostile strings are data: stored and returned verbatim, never interpreted."""

import pytest
from aiohttp.test_utils import TestClient
from redis.asyncio import Redis

from tests.integration.api import API, new_user, send_dm
from tests.integration.conversations_api import create_group, history, post

HOSTILE = [
    "'; DROP TABLE users; --",
    '" OR 1=1 --',
    "$$ ) ; BEGIN BATCH DELETE FROM messages_by_user WHERE username = 'x'; APPLY BATCH;",
    "\x00\x01\x02\x1b[31mred\x1b[0m\r\n\t",
    "<script>alert(1)</script>",
    '{"error": {"code": "fake"}}',
    "\u202eRTL override\u202c and zero\u200bwidth",
    "\U0001f469\u200d\U0001f467" * 100 + "\U0001d54c\U0001d55f" * 50,
    "é" * 4000,
]


@pytest.mark.parametrize("text", HOSTILE)
async def test_hostile_content_round_trips_verbatim(
    client: TestClient, redis: Redis, text: str
) -> None:
    _, headers = await new_user(client)
    bob, bob_headers = await new_user(client)
    sent = await send_dm(client, headers, bob, text)
    assert sent["content"] == text
    group = await create_group(client, headers, [bob], name=text[:100])
    posted = await post(client, bob_headers, group["id"], text)
    assert posted["content"] == text
    for flush in (False, True):
        if flush:
            await redis.flushdb()
        listing = await client.get(f"{API}/messages", headers=bob_headers)
        assert (await listing.json())["messages"][0]["content"] == text
        page = await history(client, headers, group["id"])
        assert page["messages"][0]["content"] == text
    detail = await client.get(f"{API}/conversations/{group['id']}", headers=headers)
    assert (await detail.json())["name"] == text[:100]
