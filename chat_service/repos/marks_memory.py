"""What this process remembers of the marks (reactions, pins) it read from Cassandra, per
timeline, and how it stays right when other processes change them, as the member cache
does (`services/member_cache.py`):

- the process that changes a timeline's marks forgets its memory of them (after Cassandra
  took the change, before it answers);
- every other process forgets them when the change's event (`message.reactions`,
  `conversation.pins`, `message.deleted`) reaches it over the bus, which every process
  hears, typically within a millisecond or two of the change;
- a read that was under way when any change was heard does not store what it found (it
  may predate the change), and while the bus is down nothing is remembered;
- a memory is used for at most `LOCAL_CACHE_MARKS_MAX_AGE_S`, which bounds staleness should
  an event be lost while the subscription stayed up (publishing is best effort).

No Redis round trip is added to a history read: a page served from memory costs no query.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from typing import NamedTuple, Protocol

from chat_service.domain.events import Event, EventType
from chat_service.domain.timelines import ConversationTimeline, DirectMessagesTimeline
from chat_service.repos.cache.events import BusDown, BusUp

PINS = -1  # the "bucket" under which a timeline's pin set is remembered
_CHANGES = frozenset({EventType.REACTIONS, EventType.PINS, EventType.MESSAGE_DELETED})


class Remembered(NamedTuple):
    read_at_s: float
    oldest: str  # the sort keys of the range read ("" for a pin set)
    newest: str
    value: object  # dict[int, MessageReactions] or frozenset[int]


class RememberedTimelines(Protocol):
    """A bounded mapping (`infra.caches.CacheRegistry.fifo`): timeline name -> its buckets'
    memories (and its pin set's, under `PINS`)."""

    def get(self, key: str) -> dict[int, Remembered] | None: ...

    def __setitem__(self, key: str, value: dict[int, Remembered]) -> None: ...

    def pop(self, key: str) -> dict[int, Remembered] | None: ...

    def clear(self) -> None: ...


class MarksMemory:
    def __init__(
        self,
        remembered: RememberedTimelines,
        max_age_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._remembered = remembered
        self._max_age_s = max_age_s
        self._clock = clock
        self._changes = 0  # bumped by every change heard: reads under way do not store
        self._bus_up = False  # until the subscription is up: changes cannot be heard before

    def recall(self, timeline: str, bucket: int, oldest: str, newest: str) -> object | None:
        """What was read of a range holding [oldest, newest] of one bucket, if still good."""
        buckets = self._remembered.get(timeline)
        memory = buckets.get(bucket) if buckets is not None else None
        if (
            memory is None
            or memory.oldest > oldest
            or memory.newest < newest
            or self._clock() - memory.read_at_s > self._max_age_s
        ):
            return None
        return memory.value

    def started(self) -> int:
        """Taken before a read of the store, and handed back to `keep`."""
        return self._changes

    def keep(
        self, timeline: str, bucket: int, started: int, oldest: str, newest: str, value: object
    ) -> None:
        if not self._bus_up or started != self._changes:
            return
        buckets = self._remembered.get(timeline)
        if buckets is None:
            buckets = {}
            self._remembered[timeline] = buckets
        buckets[bucket] = Remembered(self._clock(), oldest, newest, value)

    def changed(self, timelines: Iterable[str]) -> None:
        self._changes += 1
        for timeline in timelines:
            self._remembered.pop(timeline)

    def hear(self, item: Event | BusDown | BusUp) -> None:
        """What the bus says: a change of marks, or that the subscription went down or is up."""
        if isinstance(item, BusDown):
            self._bus_up = False
            self._changes += 1
            self._remembered.clear()
        elif isinstance(item, BusUp):
            self._bus_up = True
        elif item.type in _CHANGES:
            self.changed(_timelines_of(item.conversation_id, item.recipients))


def _timelines_of(conversation_id: uuid.UUID, recipients: tuple[str, ...]) -> list[str]:
    """The conversation's timeline, and its participants' direct-message timelines when it
    may be a direct conversation (two recipients; forgetting a group pair's is harmless)."""
    names = [ConversationTimeline.name_of(conversation_id)]
    if len(recipients) <= 2:
        names += [DirectMessagesTimeline.name_of(person) for person in recipients]
    return names
