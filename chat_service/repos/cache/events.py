"""Live events over Redis sharded pub/sub: a process hears only its own users' shards.

Users are spread over `EVENT_SHARDS` channels by a hash of their name. Publishing an event
sends one copy per shard among its recipients, carrying only that shard's recipients, with
`SPUBLISH` (so that on a Redis Cluster each shard's channel lives on one node, and the
traffic of a channel stays on that node); a process subscribes (`SSUBSCRIBE`) to the shards
of the users connected to it, so the events it decodes are about its own users, not the
whole system's. Changes that make in-process caches stale (`CACHE_EVENTS`: membership,
ended sessions, reactions, pins, deletes) also go to one plain channel every process hears,
so its caches forget what it has no connected user to hear of; that copy keeps its
recipients only when there are at most two (a direct conversation, one account). With
one shard, this is the single-channel broadcast of old (every process decodes everything).

Membership is never mirrored into Redis: the recipients travel with each event, computed
from Cassandra when it is published.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
import zlib
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

import orjson
import structlog
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import RedisError

from chat_service.domain.events import CACHE_EVENTS, Event, EventType
from chat_service.domain.models import Message, Quote, ReactionCount
from chat_service.infra import metrics
from chat_service.repos.cache.timelines import decode, encode, from_fields

log = structlog.get_logger(__name__)

SHARD_CHANNEL = "chat:events:{}"
CACHE_CHANNEL = "chat:cache-changes"
RECONNECT_DELAY_S = 1.0
SUBSCRIBE_WAIT_S = 1.0
# Copies of one event reach a process once per shard of its recipients here, one after
# another: the last few bodies decoded are remembered, so each event is decoded once.
_DECODED_MEMO = 32


class BusDown:
    """Yielded by `listen` when the subscription is lost."""


class BusUp:
    """Yielded by `listen` each time the subscription is (re)established."""


@dataclass(frozen=True, slots=True)
class CacheChange:
    """A `CACHE_EVENTS` event heard on the channel every process hears: for the in-process
    caches, never delivered to sockets (the shards deliver it to its recipients)."""

    event: Event


class EventBus:
    def __init__(self, publisher: Redis, subscriber: Redis, shards: int = 1024) -> None:
        self._publisher = publisher
        self._subscriber = subscriber  # its own connection: a subscription blocks it
        self._shards = shards
        self._wanted: Counter[str] = Counter()  # shard channel -> connected users here
        self._pubsub: Any = None  # the live subscription, while there is one
        self._confirming: dict[str, asyncio.Future[None]] = {}
        self._decoded: dict[bytes, Event] = {}  # body -> event, the last few (insertion order)

    def channel_of(self, username: str) -> str:
        return SHARD_CHANNEL.format(zlib.crc32(username.encode()) % self._shards)

    async def publish(self, event: Event) -> None:
        """Best effort: what a client misses live it gets from `/sync`."""
        try:
            async with self._publisher.pipeline(transaction=False) as pipe:
                self.queue_publish(pipe, event)
                await pipe.execute()
        except RedisError as exc:
            self.publish_failed(exc, event)

    def queue_publish(self, pipe: Pipeline, event: Event) -> int:
        """Queue the event's copies on `pipe`, one per shard of its recipients and the cache
        channel's (`repos/cache/sends.py`: a send's one round trip); how many commands."""
        body = encode_event(replace(event, recipients=()))
        by_channel: defaultdict[str, list[str]] = defaultdict(list)
        for name in event.recipients:
            by_channel[self.channel_of(name)].append(name)
        for channel, names in by_channel.items():
            pipe.spublish(channel, orjson.dumps(names) + b"\n" + body)
        if event.type in CACHE_EVENTS:
            pipe.publish(CACHE_CHANNEL, _cache_copy(event, body))
            return len(by_channel) + 1
        return len(by_channel)

    def publish_failed(self, error: BaseException, event: Event) -> None:
        log.warning("events.publish_failed", error=str(error), type=event.type.value)

    async def watch(self, username: str) -> None:
        """Hear `username`'s shard from now on (until as many `unwatch`); returns once the
        subscription is confirmed, or at once while the bus is down (it is renewed then)."""
        channel = self.channel_of(username)
        self._wanted[channel] += 1
        pending = self._confirming.get(channel)
        if pending is None and (self._wanted[channel] > 1 or self._pubsub is None):
            return
        if pending is None:
            pending = self._confirming[channel] = asyncio.get_running_loop().create_future()
            with contextlib.suppress(RedisError, OSError):
                await self._pubsub.ssubscribe(channel)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(pending), SUBSCRIBE_WAIT_S)
        self._confirming.pop(channel, None)

    def unwatch(self, username: str) -> None:
        """The shard is left lazily, when an event for nobody here arrives on it."""
        channel = self.channel_of(username)
        self._wanted[channel] -= 1
        if self._wanted[channel] <= 0:
            del self._wanted[channel]

    async def listen(self) -> AsyncIterator[Event | CacheChange | BusDown | BusUp]:
        """Events as they arrive, forever; reconnects after an outage and says so."""
        down = False
        while True:
            pubsub = self._subscriber.pubsub()
            try:
                await pubsub.subscribe(CACHE_CHANNEL)
                if self._wanted:
                    await pubsub.ssubscribe(*self._wanted)
                self._pubsub = pubsub
                down = False
                yield BusUp()
                while True:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is not None:
                        heard = await self._heard(pubsub, message)
                        if heard is not None:
                            yield heard
            except (RedisError, OSError) as exc:
                self._pubsub = None
                if not down:
                    down = True
                    log.warning("events.subscription_lost", error=str(exc))
                    yield BusDown()
                await asyncio.sleep(RECONNECT_DELAY_S)
            finally:
                self._pubsub = None
                await _close_quietly(pubsub)

    async def _heard(self, pubsub: Any, message: dict[str, Any]) -> Event | CacheChange | None:
        kind, channel = message["type"], _text(message["channel"])
        if kind == "smessage":
            if channel not in self._wanted:  # nobody here any more: leave the shard
                await pubsub.sunsubscribe(channel)
                return None
            head, body = message["data"].split(b"\n", 1)
            event = self._decode(body)
            return None if event is None else replace(event, recipients=tuple(orjson.loads(head)))
        if kind == "message":
            metrics.BUS_EVENTS_DECODED.inc()
            heard = decode_known(message["data"])
            return None if heard is None else CacheChange(heard)
        if kind == "ssubscribe" and channel in self._confirming:
            future = self._confirming[channel]
            if not future.done():
                future.set_result(None)
        return None

    def _decode(self, body: bytes) -> Event | None:
        event = self._decoded.get(body)
        if event is None:
            metrics.BUS_EVENTS_DECODED.inc()
            event = decode_known(body)
            if event is None:
                return None
            self._decoded[body] = event
            if len(self._decoded) > _DECODED_MEMO:
                del self._decoded[next(iter(self._decoded))]
        return event


def _cache_copy(event: Event, body: bytes) -> bytes:
    """What every process hears of a cache event: the event, with its recipients when they
    name a direct conversation's two timelines or one account (a group's are not needed)."""
    return encode_event(event) if len(event.recipients) <= 2 else body


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


async def _close_quietly(pubsub: object) -> None:
    with contextlib.suppress(RedisError, OSError):
        await pubsub.aclose()  # type: ignore[attr-defined]


def encode_event(event: Event) -> bytes:
    return orjson.dumps(
        {
            "t": event.type.value,
            "r": event.recipients,
            "c": str(event.conversation_id),
            # The cache's encoding, nested as it is (not as a string: parsed once).
            "m": orjson.Fragment(encode(event.message)) if event.message else None,
            "u": event.username,
            "i": str(event.message_id) if event.message_id else None,
            # Reactions and pins (absent from events that have none).
            **_marks_fields(event),
            "q": _encode_quote(event.message.reply_to) if event.message else None,
            "n": event.usernames,
            "k": str(event.change_id) if event.change_id else None,
            **({"g": event.generation} if event.generation is not None else {}),
        }
    )


def _marks_fields(event: Event) -> dict[str, object]:
    fields: dict[str, object] = {}
    if event.reactions is not None:
        fields["rx"] = [[r.emoji, r.count] for r in event.reactions]
    if event.emoji is not None:
        fields["e"], fields["a"] = event.emoji, event.added
    if event.pinned is not None:
        fields["p"] = event.pinned
    return fields


def _encode_quote(quote: Quote | None) -> list[object] | None:
    """A reply's quote travels with its event (the cache keeps only the quoted id)."""
    return [str(quote.id), quote.sender, quote.content, quote.deleted] if quote else None


def _decode_message(raw: dict[str, Any] | str, quote: list[Any] | None) -> Message:
    # A string: an event of a process from before the nesting (a rolling deploy).
    message = decode(raw.encode()) if isinstance(raw, str) else from_fields(raw)
    if not quote:
        return message
    quote_id, sender, content, deleted = quote
    return replace(message, reply_to=Quote(uuid.UUID(quote_id), sender, content, deleted))


def decode_known(raw: bytes) -> Event | None:
    """The event, or None for one this version cannot read (a newer process's event type
    during a rolling deploy, say): skipped, so that it cannot stop live delivery here."""
    try:
        return decode_event(raw)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:  # JSONDecodeError too
        log.warning("events.undecodable", error=str(exc)[:200])
        return None


def decode_event(raw: bytes) -> Event:
    data = orjson.loads(raw)
    change = data.get("k")
    return Event(
        type=EventType(data["t"]),
        recipients=tuple(data["r"]),
        conversation_id=uuid.UUID(data["c"]),
        message=_decode_message(data["m"], data.get("q")) if data["m"] else None,
        username=data["u"],
        message_id=uuid.UUID(data["i"]) if data["i"] else None,
        reactions=tuple(ReactionCount(e, n, False) for e, n in data["rx"])
        if "rx" in data
        else None,
        emoji=data.get("e"),
        added=data.get("a"),
        pinned=data.get("p"),
        usernames=tuple(data["n"]) if data.get("n") is not None else None,
        change_id=uuid.UUID(change) if change else None,
        generation=data.get("g"),
    )
