"""What this process remembers of the marks (reactions, pins) and of the quoted messages
(`repos/quotes.py`) it read from Cassandra, per timeline, and how it stays right when other
processes change them, as the member cache does (`infra/heard_memory.py`):

- the process that changes a timeline's marks, or edits or deletes one of its messages,
  forgets its memory of the timeline (after Cassandra took the change, before it answers);
- every other process forgets it when the change's event (`message.reactions`,
  `conversation.pins`, `message.updated`, `message.deleted`) reaches it over the bus, which
  every process hears, typically within a millisecond or two of the change;
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
from typing import NamedTuple, cast

from chat_service.domain.events import Event, EventType
from chat_service.domain.timelines import ConversationTimeline, DirectMessagesTimeline
from chat_service.infra.heard_memory import Bounded, HeardMemory
from chat_service.repos.cache.events import BusDown, BusUp

PINS = -1  # the "bucket" under which a timeline's pin set is remembered
QUOTES = -2  # and the quotes of its replies read from the store (repos/quotes.py)
_CHANGES = frozenset(
    {EventType.REACTIONS, EventType.PINS, EventType.MESSAGE_DELETED, EventType.MESSAGE_UPDATED}
)


class Remembered(NamedTuple):
    oldest: str  # the sort keys of the range read ("" for a pin set or quotes)
    newest: str
    value: object  # dict[int, MessageReactions], frozenset[int] or dict[int, Quote]


# A timeline's memories: bucket (or PINS, QUOTES) -> what was read of it. The entry lives
# `max_age_s` from its first memory, so no memory in it is older.
Buckets = dict[int, Remembered]


class MarksMemory:
    def __init__(
        self,
        remembered: Bounded[str, Buckets],
        max_age_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._memory: HeardMemory[str, Buckets] = HeardMemory(remembered, max_age_s, clock)

    def recall(self, timeline: str, bucket: int, oldest: str, newest: str) -> object | None:
        """What was read of a range holding [oldest, newest] of one bucket, if still good."""
        memory = self.entry(timeline, bucket)
        if memory is None or memory.oldest > oldest or memory.newest < newest:
            return None
        return memory.value

    def entry(self, timeline: str, bucket: int) -> Remembered | None:
        """What is remembered of one bucket, if still good: a new object after each change."""
        buckets = self._memory.get(timeline)
        return buckets.get(bucket) if buckets is not None else None

    def buckets(self, timeline: str) -> Buckets | None:
        """All that is remembered of a timeline, if still good (read it, never change it)."""
        return self._memory.get(timeline)

    def started(self) -> int:
        """Taken before a read of the store, and handed back to `keep`."""
        return self._memory.started()

    def keep(
        self, timeline: str, bucket: int, started: int, oldest: str, newest: str, value: object
    ) -> None:
        """Remember what was read of [oldest, newest] of a bucket. A reactions range that
        overlaps the one remembered joins it (both were read with no change heard since),
        so the pages of a deep history, each read once, come to need no query."""
        memory = self._memory
        buckets = memory.get(timeline)
        if buckets is None:
            buckets = {}
            if not memory.keep(timeline, started, buckets):
                return
        elif memory.started() != started:
            return
        known = buckets.get(bucket)
        if known is not None and bucket >= 0 and known.oldest <= newest and oldest <= known.newest:
            joined = {**cast(dict[int, object], known.value), **cast(dict[int, object], value)}
            oldest, newest, value = min(oldest, known.oldest), max(newest, known.newest), joined
        buckets[bucket] = Remembered(oldest, newest, value)

    def changed(self, timelines: Iterable[str]) -> None:
        for timeline in timelines:
            self._memory.forget(timeline)

    def hear(self, item: Event | BusDown | BusUp) -> None:
        """What the bus says: a change of marks or of a message (its quotes), or that the
        subscription went down or is up."""
        if isinstance(item, BusDown):
            self._memory.bus_down()
        elif isinstance(item, BusUp):
            self._memory.bus_up()
        elif item.type in _CHANGES:
            self.changed(_timelines_of(item.conversation_id, item.recipients))


def _timelines_of(conversation_id: uuid.UUID, recipients: tuple[str, ...]) -> list[str]:
    """The conversation's timeline, and its participants' direct-message timelines when it
    may be a direct conversation (two recipients; forgetting a group pair's is harmless)."""
    names = [ConversationTimeline.name_of(conversation_id)]
    if len(recipients) <= 2:
        names += [DirectMessagesTimeline.name_of(person) for person in recipients]
    return names
