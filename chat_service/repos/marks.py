"""The marks of a page of history (reactions and pins), for one viewer, read with at most
one query per day bucket of the page plus one for the pin set, whatever the page's size,
and remembered in process (`repos/marks_memory.py`).

A timeline is a conversation (its rows) or one user's direct messages (their copies).
"""

from __future__ import annotations

import asyncio
import operator
import uuid
from collections.abc import Sequence
from typing import cast

from chat_service.domain.ids import day_bucket, sort_key
from chat_service.domain.models import NO_MARKS, Message, MessageMarks, PageMarks, SharedMessages
from chat_service.domain.reactions import MessageReactions, summary
from chat_service.domain.timelines import ConversationTimeline, DirectMessagesTimeline, Timeline
from chat_service.repos.marks_memory import PINS, MarksMemory, Remembered
from chat_service.repos.pins import PinRepository
from chat_service.repos.reactions import ReactionRepository

_Ranges = dict[int, tuple[uuid.UUID, uuid.UUID]]  # bucket: (newest, oldest) of the page


def timeline_name(timeline: Timeline) -> str:
    if isinstance(timeline, DirectMessagesTimeline):
        return DirectMessagesTimeline.name_of(timeline.owner)
    assert isinstance(timeline, ConversationTimeline)
    return ConversationTimeline.name_of(timeline.owner)


class MarksReader:
    def __init__(
        self, reactions: ReactionRepository, pins: PinRepository, memory: MarksMemory
    ) -> None:
        self._reactions = reactions
        self._pins = pins
        self._memory = memory

    async def page_marks(
        self,
        timeline: Timeline,
        messages: Sequence[Message],
        viewer: str,
        newest_first: bool = True,
    ) -> PageMarks:
        """The marks of `messages` (one timeline's) as `viewer` sees them. A page served
        from memory awaits nothing, and a shared page (`SharedMessages`) whose memories are
        unchanged answers the very marks it answered this viewer before;
        `newest_first=False` for messages in another order."""
        if not messages:
            return PageMarks()
        name = timeline_name(timeline)
        shared = _SharedPage.of(messages) if isinstance(messages, SharedMessages) else None
        ranges = shared.ranges if shared is not None else _keyed(messages, newest_first)
        buckets = self._memory.buckets(name)
        pins = buckets.get(PINS) if buckets is not None else None
        remembered: list[Remembered | None] = [pins]
        missing: _Ranges = {}
        for bucket, (newest, oldest, high, low) in ranges.items():
            entry = buckets.get(bucket) if buckets is not None else None
            if entry is None or entry.oldest > low or entry.newest < high:
                missing[bucket] = (newest, oldest)
            else:
                remembered.append(entry)
        if pins is None or missing:
            owner = timeline.owner
            return await self._read_marks(name, owner, messages, viewer, remembered, missing)
        if shared is not None:
            made_of, marks = shared.by_viewer.get(viewer, _NOT_MADE)
            if len(made_of) == len(remembered) and all(map(operator.is_, made_of, remembered)):
                return marks
        reactions = _joined(remembered[1:], {})
        marks = _summed(messages, reactions, cast(frozenset[int], pins.value), viewer)
        if shared is not None:
            shared.remember(viewer, tuple(remembered), marks)
        return marks

    async def _read_marks(
        self,
        name: str,
        owner: uuid.UUID | str,
        messages: Sequence[Message],
        viewer: str,
        remembered: list[Remembered | None],
        missing: _Ranges,
    ) -> PageMarks:
        """The marks of a page some of whose memories are missing: read those (at once).
        `remembered` is the pin set's memory (or None), then the buckets' found."""
        pins = remembered[0]
        pinned, read = await asyncio.gather(
            self._pinned(name, owner) if pins is None else _given(pins.value),
            self._reactions_of(name, owner, missing),
        )
        reactions = _joined(remembered[1:], read)
        return _summed(messages, reactions, cast(frozenset[int], pinned), viewer)

    async def message_marks(self, message: Message, viewer: str | None) -> MessageMarks:
        """One message's marks, read afresh (for a single message or an event); without a
        viewer every `me` is False."""
        if message.deleted:
            return NO_MARKS
        reactions, pinned = await asyncio.gather(
            self._reactions.of_message(message),
            self._pins.pinned_ids(message.conversation_id),
        )
        if not reactions and message.id.int not in pinned:
            return NO_MARKS
        return MessageMarks(summary(reactions, viewer), message.id.int in pinned)

    async def _pinned(self, name: str, owner: uuid.UUID | str) -> frozenset[int]:
        memory = self._memory
        started = memory.started()
        found = await self._pins.pinned_ids(owner)
        memory.keep(name, PINS, started, "", "", found)
        return found

    async def _reactions_of(
        self, name: str, owner: uuid.UUID | str, ranges: _Ranges
    ) -> dict[int, MessageReactions]:
        """One query per bucket (all at once)."""
        reactions: dict[int, MessageReactions] = {}
        if not ranges:
            return reactions
        found = await asyncio.gather(
            *(
                self._reactions_in(name, owner, bucket, oldest, newest)
                for bucket, (newest, oldest) in ranges.items()
            )
        )
        for one_bucket in found:
            reactions.update(one_bucket)
        return reactions

    async def _reactions_in(
        self, name: str, owner: uuid.UUID | str, bucket: int, oldest: uuid.UUID, newest: uuid.UUID
    ) -> dict[int, MessageReactions]:
        memory = self._memory
        low, high = sort_key(oldest), sort_key(newest)
        started = memory.started()
        found = await self._reactions.in_range(owner, bucket, oldest, newest)
        memory.keep(name, bucket, started, low, high, found)
        return found


async def _given(pinned: object) -> object:
    return pinned


_NOT_MADE: tuple[tuple[object, ...], PageMarks] = ((), PageMarks())
_READERS_KEPT = 64  # readers whose marks of one shared page are kept with it
# bucket: (newest, oldest) of the page, and their sort keys
_KeyedRanges = dict[int, tuple[uuid.UUID, uuid.UUID, str, str]]


class _SharedPage:
    """What the marks of one shared page (`SharedMessages.marks`) derive once: its buckets'
    ranges, and each reader's marks with the memories they were summed up from."""

    __slots__ = ("by_viewer", "ranges")

    def __init__(self, messages: SharedMessages) -> None:
        self.ranges = _keyed(messages, newest_first=True)
        self.by_viewer: dict[str, tuple[tuple[object, ...], PageMarks]] = {}

    @classmethod
    def of(cls, messages: SharedMessages) -> _SharedPage:
        found = messages.marks
        if not isinstance(found, cls):
            found = messages.marks = cls(messages)
        return found

    def remember(self, viewer: str, made_of: tuple[object, ...], marks: PageMarks) -> None:
        if len(self.by_viewer) >= _READERS_KEPT:
            self.by_viewer.clear()
        self.by_viewer[viewer] = (made_of, marks)


def _keyed(messages: Sequence[Message], newest_first: bool) -> _KeyedRanges:
    ranges = _ranges_newest_first(messages) if newest_first else _ranges(messages)
    return {
        bucket: (newest, oldest, sort_key(newest), sort_key(oldest))
        for bucket, (newest, oldest) in ranges.items()
    }


def _joined(
    remembered: Sequence[Remembered | None], read: dict[int, MessageReactions]
) -> dict[int, MessageReactions]:
    """The reactions of the buckets remembered and of those just read."""
    if len(remembered) == 1 and not read:
        return cast(dict[int, MessageReactions], remembered[0].value)  # type: ignore[union-attr]
    reactions: dict[int, MessageReactions] = {}
    for entry in remembered:
        reactions.update(cast(dict[int, MessageReactions], entry.value))  # type: ignore[union-attr]
    reactions.update(read)
    return reactions


def _summed(
    messages: Sequence[Message],
    reactions: dict[int, MessageReactions],
    pinned: frozenset[int],
    viewer: str,
) -> PageMarks:
    marks = PageMarks()
    if not reactions and not pinned:
        return marks
    for message in messages:
        key = message.id.int
        if message.deleted or (key not in reactions and key not in pinned):
            continue
        marks[key] = MessageMarks(summary(reactions.get(key, ()), viewer), key in pinned)
    return marks


def _ranges_newest_first(messages: Sequence[Message]) -> _Ranges:
    """Each bucket's newest and oldest message of a page in timeline order: a page within
    one bucket (the usual case) costs two bucket computations, not one per message."""
    first, last = messages[0].id, messages[-1].id
    top, bottom = day_bucket(first), day_bucket(last)
    if top == bottom:
        return {top: (first, last)}
    ranges: _Ranges = {}
    for message in messages:  # the first seen of a bucket is its newest, the last its oldest
        bucket = day_bucket(message.id)
        newest, _ = ranges.get(bucket, (message.id, message.id))
        ranges[bucket] = (newest, message.id)
    return ranges


def _ranges(messages: Sequence[Message]) -> _Ranges:
    """Each bucket's newest and oldest message, the messages in any order."""
    ranges: _Ranges = {}
    for message in messages:
        bucket = day_bucket(message.id)
        newest, oldest = ranges.get(bucket, (message.id, message.id))
        if sort_key(message.id) > sort_key(newest):
            newest = message.id
        elif sort_key(message.id) < sort_key(oldest):
            oldest = message.id
        ranges[bucket] = (newest, oldest)
    return ranges
