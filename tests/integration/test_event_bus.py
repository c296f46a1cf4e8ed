"""The event bus on the real Redis: what a listener does with events it cannot read."""

from __future__ import annotations

import asyncio
import contextlib
import uuid

from redis.asyncio import Redis

from chat_service.domain.events import Event, EventType
from chat_service.infra.settings import Settings
from chat_service.repos.cache.events import CACHE_CHANNEL, BusDown, BusUp, CacheChange, EventBus


async def test_an_unreadable_event_is_skipped_and_delivery_goes_on(
    migrated: Settings, redis: Redis
) -> None:
    """A newer version's event type (a rolling deploy) must not end this process's
    subscription, and with it every live delivery: on the user's shard or on the channel
    every process hears."""
    subscriber = Redis.from_url(migrated.redis_url)
    bus = EventBus(redis, subscriber)
    heard: asyncio.Queue[Event | CacheChange | BusDown | BusUp] = asyncio.Queue()

    async def listen() -> None:
        async for item in bus.listen():
            heard.put_nowait(item)

    listening = asyncio.create_task(listen())
    room = uuid.uuid4()
    try:
        async with asyncio.timeout(10):
            assert isinstance(await heard.get(), BusUp)
            await bus.watch("ann")
            future = {"t": "message.from_the_future", "r": ["ann"], "c": str(room)}
            for raw in (str(future).replace("'", '"').encode(), b"not json", b"[]"):
                await redis.execute_command("SPUBLISH", bus.channel_of("ann"), b'["ann"]\n' + raw)
                await redis.publish(CACHE_CHANNEL, raw)
            typing = Event(EventType.TYPING, ("ann",), room, usernames=("ann", "bob"))
            await bus.publish(typing)
            while True:
                item = await heard.get()
                if isinstance(item, Event) and item.conversation_id == room:
                    break
        assert item == typing
    finally:
        listening.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listening
        await subscriber.aclose()
