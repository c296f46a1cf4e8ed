"""The event bus on the real Redis: what a listener does with events it cannot read."""

from __future__ import annotations

import asyncio
import uuid

from redis.asyncio import Redis

from chat_service.domain.events import Event, EventType
from chat_service.infra.settings import Settings
from chat_service.repos.cache.events import CHANNEL, BusUp, EventBus


async def test_an_unreadable_event_is_skipped_and_delivery_goes_on(
    migrated: Settings, redis: Redis
) -> None:
    """A newer version's event type (a rolling deploy) must not end this process's
    subscription, and with it every live delivery."""
    subscriber = Redis.from_url(migrated.redis_url)
    bus = EventBus(redis, subscriber)
    events = bus.listen()
    room = uuid.uuid4()
    try:
        async with asyncio.timeout(10):
            assert isinstance(await anext(events), BusUp)
            future = {"t": "message.from_the_future", "r": ["ann"], "c": str(room)}
            for raw in (str(future).replace("'", '"').encode(), b"not json", b"[]"):
                await redis.publish(CHANNEL, raw)
            typing = Event(EventType.TYPING, ("ann",), room, usernames=("ann", "bob"))
            await bus.publish(typing)
            async for item in events:
                if isinstance(item, Event) and item.conversation_id == room:
                    break
        assert item == typing
    finally:
        await events.aclose()
        await subscriber.aclose()
