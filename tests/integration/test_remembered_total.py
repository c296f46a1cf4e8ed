"""The timeline cache remembers a timeline's total only while nothing can make it wrong."""

from __future__ import annotations

import asyncio
import uuid

from redis.asyncio import Redis

from chat_service.domain.ids import TimeUuidFactory
from chat_service.domain.models import Message
from chat_service.repos.cache.timelines import CachedPage, TimelineCache, user_timeline
from tests.conftest import unique_name

_ids = TimeUuidFactory()


def _message(owner: str) -> Message:
    return Message(
        id=_ids.new(), conversation_id=uuid.uuid4(), sender=owner, recipient="x", content="hi"
    )


async def _filled(cache: TimelineCache, messages: list[Message]) -> tuple[str, CachedPage]:
    timeline = user_timeline(unique_name())

    async def load(_: int) -> list[Message]:
        return messages

    await cache.ensure_filled(timeline, load)
    page = await cache.newest(timeline, 0, 10)
    assert page is not None
    return timeline, page


async def test_a_remembered_total_is_served_and_advanced_by_appends(redis: Redis) -> None:
    cache = TimelineCache(redis, max_len=5)
    timeline, page = await _filled(cache, [_message("a") for _ in range(5)])
    assert page.total is None

    await cache.remember_total(timeline, 1234, page)
    remembered = await cache.newest(timeline, 0, 10)
    await cache.append([timeline], _message("a"))
    await cache.append([timeline], _message("a"))
    advanced = await cache.newest(timeline, 0, 10)

    assert remembered is not None and remembered.total == 1234
    assert advanced is not None and advanced.total == 1236
    assert advanced.cached_count == 5


async def test_a_total_counted_before_an_append_is_not_remembered(redis: Redis) -> None:
    cache = TimelineCache(redis)
    timeline, page = await _filled(cache, [_message("a")])

    await cache.append([timeline], _message("a"))  # lands between the page and its count
    await cache.remember_total(timeline, 1, page)
    after = await cache.newest(timeline, 0, 10)

    assert after is not None and after.appended == page.appended + 1
    assert after.total is None


async def test_a_remembered_total_is_forgotten_after_its_validity(redis: Redis) -> None:
    cache = TimelineCache(redis, total_valid_ms=100)
    timeline, page = await _filled(cache, [_message("a")])

    await cache.remember_total(timeline, 1, page)
    fresh = await cache.newest(timeline, 0, 10)
    await asyncio.sleep(0.2)
    stale = await cache.newest(timeline, 0, 10)

    assert fresh is not None and fresh.total == 1
    assert stale is not None and stale.total is None
