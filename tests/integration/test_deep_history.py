"""A user with 10,000 direct messages: page 1 comes from the cache, deep pages from
Cassandra by skipping whole day buckets by their counters."""

import time

import pytest
from aiohttp.test_utils import TestClient

from chat_service.domain.ids import NS_PER_DAY, TimeUuidFactory, direct_conversation_id
from chat_service.domain.models import Message
from chat_service.infra.settings import Settings
from tests.integration.api import API, new_user, register
from tests.integration.message_seeding import message_repository, store_direct

TOTAL = 10_000
DAYS = 5  # spread over several buckets, so skipping by counters is exercised


@pytest.fixture(scope="module")
async def heavy_user(client: TestClient, migrated: Settings) -> tuple[dict[str, str], list[str]]:
    """Ann with 10,000 messages to and from Bob over five days; ids newest first."""
    ann, headers = await new_user(client, "heavy")
    bob = await register(client)
    factory = TimeUuidFactory()
    start_ns = time.time_ns() - DAYS * NS_PER_DAY
    step = DAYS * NS_PER_DAY // TOTAL
    conversation = direct_conversation_id(ann, bob)
    messages = [
        Message(
            id=factory.new(start_ns + i * step),
            conversation_id=conversation,
            sender=ann if i % 2 else bob,
            recipient=bob if i % 2 else ann,
            content=f"message {i}",
        )
        for i in range(TOTAL)
    ]
    async with message_repository(migrated) as (_, repo):
        await store_direct(repo, messages, at_once=64)
    return headers, [str(message.id) for message in reversed(messages)]


async def page(client: TestClient, headers: dict[str, str], **params: int) -> dict:
    response = await client.get(
        f"{API}/messages", params={k: str(v) for k, v in params.items()}, headers=headers
    )
    assert response.status == 200, await response.text()
    return await response.json()


async def test_first_page(client: TestClient, heavy_user) -> None:
    headers, ids = heavy_user
    body = await page(client, headers, page=1, page_size=20)
    assert [m["id"] for m in body["messages"]] == ids[:20]
    assert body["pagination"]["totalMessages"] == TOTAL
    assert body["pagination"]["totalPages"] == TOTAL // 20
    assert body["pagination"]["nextCursor"] == ids[19]


@pytest.mark.parametrize(("number", "size"), [(50, 20), (100, 100), (500, 20), (26, 20)])
async def test_deep_pages(client: TestClient, heavy_user, number: int, size: int) -> None:
    headers, ids = heavy_user
    body = await page(client, headers, page=number, page_size=size)
    start = (number - 1) * size
    assert [m["id"] for m in body["messages"]] == ids[start : start + size]
    last_page = start + size >= TOTAL
    assert body["pagination"]["nextCursor"] == (None if last_page else ids[start + size - 1])


async def test_page_past_the_end_is_empty(client: TestClient, heavy_user) -> None:
    headers, _ = heavy_user
    body = await page(client, headers, page=501, page_size=20)
    assert body["messages"] == [] and body["pagination"]["nextCursor"] is None


async def test_cursor_from_a_deep_page_continues_exactly(client: TestClient, heavy_user) -> None:
    headers, ids = heavy_user
    response = await client.get(
        f"{API}/messages", params={"before": ids[4_999], "limit": "100"}, headers=headers
    )
    body = await response.json()
    assert [m["id"] for m in body["messages"]] == ids[5_000:5_100]
