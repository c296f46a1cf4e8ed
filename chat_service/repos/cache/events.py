"""Live events over Redis pub/sub: one channel for the whole service.

Every process publishes each event once and subscribes once, then routes what it receives
to its own WebSocket connections in memory. A process holding 10,000 connections therefore
holds one Redis subscription, not one per connection or per conversation, and membership
is never mirrored into Redis: the recipients travel with each event, computed from
Cassandra when it is published.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import orjson
import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from chat_service.domain.events import Event, EventType
from chat_service.domain.models import Message, Quote, ReactionCount
from chat_service.repos.cache.timelines import decode, encode

log = structlog.get_logger(__name__)

CHANNEL = "chat:events"
RECONNECT_DELAY_S = 1.0


class BusDown:
    """Yielded by `listen` when the subscription is lost."""


class BusUp:
    """Yielded by `listen` each time the subscription is (re)established."""


class EventBus:
    def __init__(self, publisher: Redis, subscriber: Redis) -> None:
        self._publisher = publisher
        self._subscriber = subscriber  # its own connection: a subscription blocks it

    async def publish(self, event: Event) -> None:
        """Best effort: a lost event is recovered by clients paging with `after`."""
        try:
            await self._publisher.publish(CHANNEL, encode_event(event))
        except RedisError as exc:
            log.warning("events.publish_failed", error=str(exc), type=event.type.value)

    async def listen(self) -> AsyncIterator[Event | BusDown | BusUp]:
        """Events as they arrive, forever; reconnects after an outage and says so."""
        down = False
        while True:
            pubsub = self._subscriber.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(CHANNEL)
                down = False
                yield BusUp()
                while True:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is not None and (event := decode_known(message["data"])):
                        yield event
            except (RedisError, OSError) as exc:
                if not down:
                    down = True
                    log.warning("events.subscription_lost", error=str(exc))
                    yield BusDown()
                await asyncio.sleep(RECONNECT_DELAY_S)
            finally:
                await _close_quietly(pubsub)


async def _close_quietly(pubsub: object) -> None:
    with contextlib.suppress(RedisError, OSError):
        await pubsub.aclose()  # type: ignore[attr-defined]


def encode_event(event: Event) -> bytes:
    return orjson.dumps(
        {
            "t": event.type.value,
            "r": event.recipients,
            "c": str(event.conversation_id),
            "m": encode(event.message).decode() if event.message else None,
            "u": event.username,
            "i": str(event.message_id) if event.message_id else None,
            # Reactions and pins (absent from events that have none).
            **_marks_fields(event),
            "q": _encode_quote(event.message.reply_to) if event.message else None,
            "n": event.usernames,
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


def _decode_message(raw: str, quote: list[Any] | None) -> Message:
    message = decode(raw.encode())
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
    )
