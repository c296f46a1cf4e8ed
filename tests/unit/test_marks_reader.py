"""The marks of a page cost one reaction query per day bucket and one pin query, whatever
the page's size, and the memory of them is used only under the timeline's current version
and within its age."""

from __future__ import annotations

import uuid
from typing import Any, cast

from chat_service.domain.ids import NS_PER_DAY, TimeUuidFactory, day_bucket
from chat_service.domain.models import Message
from chat_service.domain.reactions import EmojiReactors, MessageReactions
from chat_service.domain.timelines import ConversationTimeline
from chat_service.infra.caches import CacheRegistry
from chat_service.repos.marks import MarksReader

ROOM = uuid.uuid4()
START = 1_800_000_000 * 10**9


class CountingReactions:
    def __init__(self, reacted: dict[int, MessageReactions]) -> None:
        self.reacted = reacted
        self.ranges: list[tuple[int, uuid.UUID, uuid.UUID]] = []

    async def in_range(
        self, owner: Any, bucket: int, oldest: uuid.UUID, newest: uuid.UUID
    ) -> dict[int, MessageReactions]:
        self.ranges.append((bucket, oldest, newest))
        return dict(self.reacted)


class CountingPins:
    def __init__(self) -> None:
        self.reads = 0

    async def pinned_ids(self, owner: Any) -> frozenset[int]:
        self.reads += 1
        return frozenset()


class Versions:
    def __init__(self) -> None:
        self.token: str | None = "v1"

    async def current(self, timeline: str) -> str | None:
        return self.token


def _page(days: int, per_day: int) -> list[Message]:
    ids = TimeUuidFactory()
    made = [
        Message(ids.new(START + day * NS_PER_DAY + i * 10**9), ROOM, "ann", None, "hi")
        for day in range(days)
        for i in range(per_day)
    ]
    return made[::-1]


def _reader(reactions: CountingReactions, pins: CountingPins, versions: Versions, clock):
    memos = CacheRegistry().fifo("marks", 100)
    return MarksReader(
        cast(Any, reactions), cast(Any, pins), cast(Any, versions), memos, 30.0, clock
    )


async def test_one_query_per_bucket_and_one_for_pins_whatever_the_page_size() -> None:
    page = _page(days=3, per_day=17)  # 51 messages over 3 buckets
    liked = page[5]
    reactions = CountingReactions({liked.id.int: (EmojiReactors("👍", frozenset({"bob"}), 0),)})
    pins, versions = CountingPins(), Versions()
    reader = _reader(reactions, pins, versions, lambda: 0.0)
    marks = await reader.page_marks(ConversationTimeline(ROOM), page, "bob")
    assert len(reactions.ranges) == 3 and pins.reads == 1
    assert {bucket for bucket, _, _ in reactions.ranges} == {day_bucket(m.id) for m in page}
    for bucket, oldest, newest in reactions.ranges:
        in_bucket = [m.id for m in page if day_bucket(m.id) == bucket]
        assert (newest, oldest) == (in_bucket[0], in_bucket[-1])
    assert marks.of(liked).reactions[0].me and list(marks) == [liked.id.int]


async def test_remembered_under_the_same_version_only_and_within_the_age() -> None:
    page = _page(days=1, per_day=10)
    reactions, pins, versions = CountingReactions({}), CountingPins(), Versions()
    now = [0.0]
    reader = _reader(reactions, pins, versions, lambda: now[0])
    timeline = ConversationTimeline(ROOM)
    await reader.page_marks(timeline, page, "bob")
    await reader.page_marks(timeline, page[2:8], "ann")  # inside the range read: remembered
    assert len(reactions.ranges) == 1 and pins.reads == 1
    versions.token = "v2"  # a change somewhere in the timeline
    await reader.page_marks(timeline, page, "bob")
    assert len(reactions.ranges) == 2 and pins.reads == 2
    now[0] = 31.0  # older than the bound
    await reader.page_marks(timeline, page, "bob")
    assert len(reactions.ranges) == 3
    versions.token = None  # Redis down: nothing remembered is trusted
    await reader.page_marks(timeline, page, "bob")
    await reader.page_marks(timeline, page, "bob")
    assert len(reactions.ranges) == 5
