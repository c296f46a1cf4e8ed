"""What a stored message derives in Redis, in one round trip: its cached copies, its live
event and the end of its sender's typing.

The three are independent, best-effort writes (each degrades alone, as when they were three
calls: a lost append marks the cache suspect, a lost event is caught up on with `/sync`, a
lost typing stop expires by itself), so they need no atomicity: they go in one
non-transactional pipeline, in that order (a client that hears the event and reads the
history finds the message cached). The scripts are sent by digest (EVALSHA), never by body;
a script Redis lost (a restart, `SCRIPT FLUSH`) answers NOSCRIPT, and only that command is
run again, loading its script.

Why a pipeline and not one Lua script: a script may only touch keys of one Cluster slot,
and a message's timelines, its recipients' shard channels and the typing keys are spread
over many (docs/scale-out.md, "Redis Cluster"). A Cluster client splits the same pipeline
by node and sends the parts at once: still one round trip of latency.

The rate limit is not in it: a refused message must not be stored, and nothing derived
from a message may be written before Cassandra accepted it, so the limit is one call
before the store and this is one call after it; two is the floor.
"""

from __future__ import annotations

from collections.abc import Sequence

from redis.asyncio import Redis
from redis.exceptions import RedisError

from chat_service.domain.events import Event
from chat_service.repos.cache.events import EventBus
from chat_service.repos.cache.timelines import TimelineCache
from chat_service.repos.cache.typing import TypingRegistry


class SendFollowUp:
    """`services.messaging.SentMessageEffects` over Redis."""

    def __init__(
        self, redis: Redis, cache: TimelineCache, bus: EventBus, typing: TypingRegistry
    ) -> None:
        self._redis = redis
        self._cache = cache
        self._bus = bus
        self._typing = typing

    async def sent(
        self, timelines: Sequence[str], event: Event, typing_stop_ms: int | None
    ) -> list[str] | None:
        """Append `event.message` to `timelines`, publish `event`, and (`typing_stop_ms`
        given) end its sender's typing: who is still typing when the sender was, else None."""
        message = event.message
        assert message is not None
        async with self._redis.pipeline(transaction=False) as pipe:
            cached = await self._cache.queue_append(pipe, timelines, message)
            published = self._bus.queue_publish(pipe, event)
            if typing_stop_ms is not None:
                self._typing.queue_stop(
                    pipe, message.conversation_id, message.sender, typing_stop_ms
                )
            try:
                replies = await pipe.execute(raise_on_error=False)
            except RedisError as exc:  # nothing of it is known to have landed
                if cached:
                    self._cache.write_failed(exc)
                self._bus.publish_failed(exc, event)
                return None
        if cached:
            await self._cache.appended(replies[0], timelines, message)
        failed = [r for r in replies[cached : cached + published] if isinstance(r, Exception)]
        if failed:
            self._bus.publish_failed(failed[0], event)
        if typing_stop_ms is None:
            return None
        return await self._typing.stopped(
            replies[-1], message.conversation_id, message.sender, typing_stop_ms
        )
