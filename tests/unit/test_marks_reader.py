"""The marks of a page cost one reaction query per day bucket and one pin query, whatever
the page's size; what was read is remembered until a change is made or heard, never
across a change under way, never while the bus is down, and never past its age."""

from __future__ import annotations

import uuid
from typing import Any, cast

from chat_service.domain.events import Event, EventType
from chat_service.domain.ids import NS_PER_DAY, TimeUuidFactory, day_bucket
from chat_service.domain.models import Message, ReactionCount, SharedMessages
from chat_service.domain.reactions import EmojiReactors, MessageReactions
from chat_service.domain.timelines import ConversationTimeline, DirectMessagesTimeline
from chat_service.infra.caches import CacheRegistry
from chat_service.repos.cache.events import BusDown, BusUp
from chat_service.repos.marks import MarksReader
from chat_service.repos.marks_memory import MarksMemory

ROOM = uuid.uuid4()
START = 1_800_000_000 * 10**9


class CountingReactions:
    def __init__(self, reacted: dict[int, MessageReactions]) -> None:
        self.reacted = reacted
        self.ranges: list[tuple[int, uuid.UUID, uuid.UUID]] = []
        self.during_read: Any = None  # something to do while a read is under way

    async def in_range(
        self, owner: Any, bucket: int, oldest: uuid.UUID, newest: uuid.UUID
    ) -> dict[int, MessageReactions]:
        self.ranges.append((bucket, oldest, newest))
        if self.during_read is not None:
            self.during_read()
        return dict(self.reacted)


class CountingPins:
    def __init__(self) -> None:
        self.reads = 0

    async def pinned_ids(self, owner: Any) -> frozenset[int]:
        self.reads += 1
        return frozenset()


def _page(days: int, per_day: int) -> list[Message]:
    ids = TimeUuidFactory()
    made = [
        Message(ids.new(START + day * NS_PER_DAY + i * 10**9), ROOM, "ann", None, "hi")
        for day in range(days)
        for i in range(per_day)
    ]
    return made[::-1]


def _reader(reactions: CountingReactions, pins: CountingPins, now: list[float]):
    memory = MarksMemory(CacheRegistry().fifo("marks", 100), 30.0, lambda: now[0])
    memory.hear(BusUp())
    return MarksReader(cast(Any, reactions), cast(Any, pins), memory), memory


async def test_one_query_per_bucket_and_one_for_pins_whatever_the_page_size() -> None:
    page = _page(days=3, per_day=17)  # 51 messages over 3 buckets
    liked = page[5]
    reactions = CountingReactions({liked.id.int: (EmojiReactors("👍", frozenset({"bob"}), 0),)})
    pins = CountingPins()
    reader, _ = _reader(reactions, pins, [0.0])
    marks = await reader.page_marks(ConversationTimeline(ROOM), page, "bob")
    assert len(reactions.ranges) == 3 and pins.reads == 1
    assert {bucket for bucket, _, _ in reactions.ranges} == {day_bucket(m.id) for m in page}
    for bucket, oldest, newest in reactions.ranges:
        in_bucket = [m.id for m in page if day_bucket(m.id) == bucket]
        assert (newest, oldest) == (in_bucket[0], in_bucket[-1])
    assert marks.of(liked).reactions[0].me and list(marks) == [liked.id.int]


async def test_remembered_until_a_change_is_made_or_heard_and_within_the_age() -> None:
    page = _page(days=1, per_day=10)
    reactions, pins, now = CountingReactions({}), CountingPins(), [0.0]
    reader, memory = _reader(reactions, pins, now)
    timeline = ConversationTimeline(ROOM)
    await reader.page_marks(timeline, page, "bob")
    await reader.page_marks(timeline, page[2:8], "ann")  # inside the range read: remembered
    assert len(reactions.ranges) == 1 and pins.reads == 1
    memory.changed([ConversationTimeline.name_of(ROOM)])  # this process changed it
    await reader.page_marks(timeline, page, "bob")
    assert len(reactions.ranges) == 2 and pins.reads == 2
    memory.hear(Event(EventType.REACTIONS, ("ann", "bob", "cyd"), ROOM))  # another one did
    await reader.page_marks(timeline, page, "bob")
    assert len(reactions.ranges) == 3
    now[0] = 31.0  # older than the bound
    await reader.page_marks(timeline, page, "bob")
    assert len(reactions.ranges) == 4
    await reader.page_marks(timeline, page, "bob")
    assert len(reactions.ranges) == 4


async def test_nothing_is_kept_across_a_change_under_way_or_while_the_bus_is_down() -> None:
    page = _page(days=1, per_day=5)
    reactions, pins = CountingReactions({}), CountingPins()
    reader, memory = _reader(reactions, pins, [0.0])
    timeline = ConversationTimeline(ROOM)
    reactions.during_read = lambda: memory.hear(
        Event(EventType.PINS, ("ann", "bob", "cyd"), uuid.uuid4())  # any change at all
    )
    await reader.page_marks(timeline, page, "bob")
    reactions.during_read = None
    await reader.page_marks(timeline, page, "bob")
    assert len(reactions.ranges) == 2  # the first read was not kept
    memory.hear(BusDown())
    await reader.page_marks(timeline, page, "bob")
    await reader.page_marks(timeline, page, "bob")
    assert len(reactions.ranges) == 4


def test_a_direct_conversations_events_forget_both_participants_timelines() -> None:
    memory = MarksMemory(CacheRegistry().fifo("marks", 100), 30.0, lambda: 0.0)
    memory.hear(BusUp())
    names = [DirectMessagesTimeline.name_of("ann"), ConversationTimeline.name_of(ROOM)]
    for name in names:
        memory.keep(name, 1, memory.started(), "a", "z", {})
    memory.hear(Event(EventType.MESSAGE_DELETED, ("ann", "bob"), ROOM))
    assert all(memory.recall(name, 1, "b", "c") is None for name in names)


async def test_overlapping_ranges_of_a_bucket_join_so_deep_pages_stop_costing_queries() -> None:
    history = _page(days=1, per_day=30)  # newest first
    reactions, pins = CountingReactions({}), CountingPins()
    reader, _ = _reader(reactions, pins, [0.0])
    timeline = ConversationTimeline(ROOM)
    for start in (0, 5, 10, 15, 20):  # pages of 10, each overlapping the one before
        await reader.page_marks(timeline, history[start : start + 10], "bob")
    assert len(reactions.ranges) == 5
    for start in (3, 8, 13, 20):  # anywhere read before: remembered, whichever page asks
        await reader.page_marks(timeline, history[start : start + 10], "bob")
    assert len(reactions.ranges) == 5
    await reader.page_marks(timeline, history[:2], "bob")
    await reader.page_marks(timeline, history[28:], "bob")
    assert len(reactions.ranges) == 5


async def test_an_unchanged_shared_page_answers_each_reader_its_same_marks() -> None:
    page = SharedMessages(_page(days=1, per_day=6))
    liked = page[1]
    reactions = CountingReactions({liked.id.int: (EmojiReactors("👍", frozenset({"bob"}), 0),)})
    reader, memory = _reader(reactions, CountingPins(), [0.0])
    timeline = ConversationTimeline(ROOM)
    await reader.page_marks(timeline, page, "bob")  # read, then summed up from memory
    bobs = await reader.page_marks(timeline, page, "bob")
    anns = await reader.page_marks(timeline, page, "ann")
    assert (await reader.page_marks(timeline, page, "bob")) is bobs
    assert bobs.of(liked).reactions[0].me and not anns.of(liked).reactions[0].me
    reactions.reacted = {liked.id.int: (EmojiReactors("👍", frozenset({"bob", "ann"}), 0),)}
    memory.hear(Event(EventType.REACTIONS, ("ann", "bob", "cyd"), ROOM))
    again = await reader.page_marks(timeline, page, "ann")
    assert again is not anns and again.of(liked).reactions[0] == ReactionCount("👍", 2, True)
