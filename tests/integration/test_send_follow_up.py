"""A sent message's Redis writes on the real Redis: cache append, live event and typing stop
in one round trip, a script Redis lost run again, and an outage that reaches no caller."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.asyncio.connection import Connection

from chat_service.domain.events import Event, EventType
from chat_service.domain.ids import TimeUuidFactory
from chat_service.domain.models import Message
from chat_service.domain.timelines import ConversationTimeline
from chat_service.infra.caches import CacheRegistry
from chat_service.infra.settings import Settings
from chat_service.repos.cache.events import BusUp, EventBus
from chat_service.repos.cache.sends import SendFollowUp
from chat_service.repos.cache.timelines import TimelineCache, TimelineMemos, remembered_page_bytes
from chat_service.repos.cache.typing import TypingRegistry
from tests.conftest import unique_name

_ids = TimeUuidFactory()


class CountingConnection(Connection):
    """Counts what the client writes to Redis: one packet per command, or per pipeline."""

    sent = 0

    async def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        type(self).sent += 1
        await super().send_packed_command(command, check_health)


def _cache(redis: Redis) -> TimelineCache:
    caches = CacheRegistry()
    memos = TimelineMemos(
        decoded=caches.fifo("decoded_messages", 100),
        floors=caches.fifo("timeline_floors", 100),
        pages=caches.lru("timeline_pages", 2**20, remembered_page_bytes),
    )
    return TimelineCache(redis, memos)


@pytest.fixture
async def counted(migrated: Settings) -> AsyncIterator[Redis]:
    client = Redis.from_url(migrated.redis_url, connection_class=CountingConnection)
    yield client
    await client.aclose()


async def _room_with_cached_history(cache: TimelineCache) -> tuple[uuid.UUID, str]:
    room = uuid.uuid4()
    timeline = ConversationTimeline.name_of(room)

    async def load(_: int) -> list[Message]:
        return []

    await cache.ensure_filled(timeline, load)
    return room, timeline


def _created(room: uuid.UUID, sender: str, recipients: tuple[str, ...]) -> Event:
    message = Message(_ids.new(), room, sender, None, "hello")
    return Event(EventType.MESSAGE_CREATED, recipients, room, message=message)


async def test_append_publish_and_typing_stop_cost_one_round_trip(
    migrated: Settings, counted: Redis
) -> None:
    subscriber = Redis.from_url(migrated.redis_url)
    bus = EventBus(counted, subscriber)
    cache, typing = _cache(counted), TypingRegistry(counted)
    follow_up = SendFollowUp(counted, cache, bus, typing)
    ann, bob, cy = unique_name("ann"), unique_name("bob"), unique_name("cy")
    room, timeline = await _room_with_cached_history(cache)
    heard: asyncio.Queue[object] = asyncio.Queue()

    async def listen() -> None:
        async for item in bus.listen():
            heard.put_nowait(item)

    listening = asyncio.create_task(listen())
    try:
        async with asyncio.timeout(10):
            assert isinstance(await heard.get(), BusUp)
            await bus.watch(bob)
            now = int(time.time() * 1000)
            await follow_up.sent([timeline], _created(room, cy, (ann, bob, cy)), now)  # loads
            for name in (ann, bob):
                await typing.signal(room, name, now, 5_000, 2_000)
            event = _created(room, ann, (ann, bob, cy))
            before = CountingConnection.sent
            still_typing = await follow_up.sent([timeline], event, now)
            assert CountingConnection.sent - before == 1
            assert still_typing == [bob]
            before = CountingConnection.sent  # the sender was not typing: nothing to tell
            assert await follow_up.sent([timeline], _created(room, ann, (ann, bob)), now) is None
            assert CountingConnection.sent - before == 1
            assert event.message is not None
            while not (
                isinstance(item := await heard.get(), Event)
                and item.message is not None
                and item.message.id == event.message.id
            ):
                pass
            assert item.recipients == (bob,) and item.message == event.message
        page = await cache.newest(timeline, 0, 10)
        assert page is not None and event.message in page.messages
        assert len(page.messages) == 3
    finally:
        listening.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listening
        await subscriber.aclose()


async def test_a_script_redis_lost_is_loaded_and_run_again(redis: Redis) -> None:
    cache, typing = _cache(redis), TypingRegistry(redis)
    follow_up = SendFollowUp(redis, cache, EventBus(redis, redis), typing)
    room, timeline = await _room_with_cached_history(cache)
    now = int(time.time() * 1000)
    await typing.signal(room, "ann", now, 5_000, 2_000)
    await typing.signal(room, "bob", now, 5_000, 2_000)
    # As after a restart of Redis: digests it does not know (no SCRIPT FLUSH on a shared
    # Redis). The scripts' objects load them again when called.
    cache._append.sha = typing._stop.sha = "0" * 40
    event = _created(room, "ann", ("ann", "bob"))
    assert await follow_up.sent([timeline], event, now) == ["bob"]
    page = await cache.newest(timeline, 0, 10)
    assert page is not None and list(page.messages) == [event.message]


async def test_redis_down_reaches_no_caller(migrated: Settings) -> None:
    down = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    cache = _cache(down)
    follow_up = SendFollowUp(down, cache, EventBus(down, down), TypingRegistry(down))
    room = uuid.uuid4()
    event = _created(room, "ann", ("ann", "bob"))
    assert await follow_up.sent([ConversationTimeline.name_of(room)], event, 0) is None
    assert await cache.newest(ConversationTimeline.name_of(room), 0, 10) is None
    await down.aclose()
