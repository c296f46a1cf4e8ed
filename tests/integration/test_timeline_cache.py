"""The timeline cache against real Redis: a timeline's total is remembered only while nothing
can make it wrong, and cursors below what a full timeline holds skip Redis."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import replace

from redis.asyncio import Redis

from chat_service.domain.ids import TimeUuidFactory
from chat_service.domain.models import Message
from chat_service.domain.timelines import DirectMessagesTimeline
from chat_service.infra.caches import CacheRegistry
from chat_service.repos.cache.timelines import (
    EPOCH_KEY,
    CachedPage,
    TimelineCache,
    TimelineMemos,
    remembered_page_bytes,
)
from tests.conftest import unique_name

_ids = TimeUuidFactory()


def _timeline_cache(redis: Redis, **options: int) -> TimelineCache:
    caches = CacheRegistry()
    memos = TimelineMemos(
        decoded=caches.fifo("decoded_messages", 1_000),
        floors=caches.fifo("timeline_floors", 1_000),
        pages=caches.lru("timeline_pages", 2**20, remembered_page_bytes),
    )
    return TimelineCache(redis, memos, **options)


def _message(owner: str) -> Message:
    return Message(
        id=_ids.new(), conversation_id=uuid.uuid4(), sender=owner, recipient="x", content="hi"
    )


async def _filled(cache: TimelineCache, messages: list[Message]) -> tuple[str, CachedPage]:
    timeline = DirectMessagesTimeline.name_of(unique_name())

    async def load(_: int) -> list[Message]:
        return messages

    await cache.ensure_filled(timeline, load)
    page = await cache.newest(timeline, 0, 10)
    assert page is not None
    return timeline, page


async def test_a_remembered_total_is_served_and_advanced_by_appends(redis: Redis) -> None:
    cache = _timeline_cache(redis, max_len=5)
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
    cache = _timeline_cache(redis)
    timeline, page = await _filled(cache, [_message("a")])

    await cache.append([timeline], _message("a"))  # lands between the page and its count
    await cache.remember_total(timeline, 1, page)
    after = await cache.newest(timeline, 0, 10)

    assert after is not None and after.version != page.version
    assert after.total is None


async def test_a_remembered_total_is_forgotten_after_its_validity(redis: Redis) -> None:
    cache = _timeline_cache(redis, total_valid_ms=1_000)
    timeline, page = await _filled(cache, [_message("a")])

    await cache.remember_total(timeline, 1, page)
    fresh = await cache.newest(timeline, 0, 10)
    await asyncio.sleep(1.1)
    stale = await cache.newest(timeline, 0, 10)

    assert fresh is not None and fresh.total == 1
    assert stale is not None and stale.total is None


async def _evalsha_calls(redis: Redis) -> int:
    return (await redis.info("commandstats"))["cmdstat_evalsha"]["calls"]


async def test_cursors_below_a_full_timeline_are_misses_without_asking_redis(
    redis: Redis,
) -> None:
    cache = _timeline_cache(redis, max_len=3)
    oldest_first = [_message("a") for _ in range(3)]
    timeline, page = await _filled(cache, oldest_first[::-1])
    assert page.cached_count == 3

    calls = await _evalsha_calls(redis)
    below = await cache.before(timeline, oldest_first[0].id, 10)
    skipped = await _evalsha_calls(redis) - calls
    above = await cache.before(timeline, oldest_first[2].id, 10)

    assert below is None
    assert skipped == 0
    assert above is not None
    assert [message.id for message in above.messages] == [oldest_first[1].id, oldest_first[0].id]


async def test_an_unchanged_page_is_reused_and_any_change_is_read_afresh(redis: Redis) -> None:
    cache = _timeline_cache(redis)
    first_messages = [_message("a") for _ in range(3)]
    timeline, first = await _filled(cache, first_messages[::-1])

    again = await cache.newest(timeline, 0, 10)
    newer = _message("a")
    await cache.append([timeline], newer)
    appended = await cache.newest(timeline, 0, 10)
    edit = replace(newer, content="edited", edited_at_ns=time.time_ns())
    await cache.replace([timeline], edit)
    edited = await cache.newest(timeline, 0, 10)
    await cache.replace([timeline], replace(edit, content=None, deleted=True))
    deleted = await cache.newest(timeline, 0, 10)

    assert again is not None and again.messages is first.messages
    assert appended is not None and appended.messages[0].id == newer.id
    assert edited is not None and edited.messages[0].content == "edited"
    assert deleted is not None and deleted.messages[0].deleted


async def test_a_timeline_filled_again_is_never_taken_for_its_former_self(redis: Redis) -> None:
    cache = _timeline_cache(redis)
    timeline, before = await _filled(cache, [_message("a")])
    epoch = (await redis.get(EPOCH_KEY) or b"0").decode()
    await redis.delete(f"chat:{epoch}:tl:{timeline}:z", f"chat:{epoch}:tl:{timeline}:h")

    other = _message("b")

    async def load(_: int) -> list[Message]:
        return [other]

    await cache.ensure_filled(timeline, load)  # same name, as many appends and edits: 0
    after = await cache.newest(timeline, 0, 10)

    assert [m.id for m in before.messages] != [other.id]
    assert after is not None and [m.id for m in after.messages] == [other.id]


async def test_a_page_says_whether_the_cache_holds_more_beyond_it(redis: Redis) -> None:
    cache = _timeline_cache(redis)
    oldest_first = [_message("a") for _ in range(3)]
    timeline, _ = await _filled(cache, oldest_first[::-1])

    two = await cache.newest(timeline, 0, 2)
    three = await cache.newest(timeline, 0, 3)
    last = await cache.before(timeline, oldest_first[1].id, 1)

    assert two is not None and len(two.messages) == 2 and two.more
    assert three is not None and len(three.messages) == 3 and not three.more
    assert last is not None and [m.id for m in last.messages] == [oldest_first[0].id]
    assert not last.more


async def test_a_timeline_found_absent_sends_older_pages_to_cassandra_for_a_second(
    redis: Redis,
) -> None:
    caches, now = CacheRegistry(), [0.0]
    memos = TimelineMemos(
        decoded=caches.fifo("decoded_messages", 1_000),
        floors=caches.fifo("timeline_floors", 1_000),
        pages=caches.lru("timeline_pages", 2**20, remembered_page_bytes),
        absent=caches.fifo("absent_timelines", 1_000),
    )
    here, elsewhere = TimelineCache(redis, memos, clock=lambda: now[0]), _timeline_cache(redis)
    owner = unique_name()
    messages = [_message(owner) for _ in range(3)][::-1]
    timeline = DirectMessagesTimeline.name_of(owner)
    assert await here.before(timeline, messages[0].id, 2) is None  # absent: asked once

    async def load(_: int) -> list[Message]:
        return messages

    await elsewhere.ensure_filled(timeline, load)  # another process fills it meanwhile
    assert await here.before(timeline, messages[0].id, 2) is None  # not asked again yet
    assert await here.after(timeline, messages[-1].id, 2) is None
    now[0] = 1.5
    older = await here.before(timeline, messages[0].id, 2)
    assert older is not None and [m.id for m in older.messages] == [m.id for m in messages[1:]]
