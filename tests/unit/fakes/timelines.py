"""A fake of the timeline read API over `FakeHistory`, and of the cache the writer feeds."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace

from chat_service.domain.errors import NotFound
from chat_service.domain.ids import sort_key
from chat_service.domain.models import Message, Quote, Unread
from chat_service.domain.timelines import Direction, NumberedPage, Timeline, TimelinePage
from tests.unit.fakes.stores import FakeHistory


class FakeTimelines:
    def __init__(self, history: FakeHistory) -> None:
        self._history = history

    async def page(
        self, timeline: Timeline, cursor: uuid.UUID | None, direction: Direction, limit: int
    ) -> TimelinePage:
        messages = self._history.newest_first(timeline)
        if cursor is None:
            return _older(messages, limit)
        key = sort_key(cursor)
        older = [m for m in messages if sort_key(m.id) < key]
        newer = [m for m in messages if sort_key(m.id) > key]
        if direction is Direction.BEFORE:
            return _older(older, limit)
        if direction is Direction.AFTER:
            page = newer[-limit:] if limit else []
            more = len(newer) > limit
            return TimelinePage(page, page[0].id if more and page else None)
        anchor = self._history.timelines.get(timeline, {}).get(cursor)
        if anchor is None:
            raise NotFound("The message does not exist.", code="message_not_found")
        newer_count = (limit - 1) // 2
        below = _older(older, limit - 1 - newer_count)
        above = newer[-newer_count:] if newer_count else []
        return TimelinePage([*above, anchor, *below.messages], below.next_cursor)

    async def numbered_page(
        self, timeline: Timeline, position: int | uuid.UUID, size: int
    ) -> NumberedPage:
        messages = self._history.newest_first(timeline)
        if isinstance(position, int):
            rest, number = messages[(position - 1) * size :], position
        else:
            rest, number = [m for m in messages if sort_key(m.id) < sort_key(position)], None
        page = _older(rest, size)
        return NumberedPage(page.messages, number, size, len(messages), page.next_cursor)

    async def message(self, timeline: Timeline, message_id: uuid.UUID) -> Message | None:
        found = self._history.timelines.get(timeline, {}).get(message_id)
        if found is None or found.reply_to_id is None:
            return found
        quoted = self._history.timelines.get(timeline, {}).get(found.reply_to_id)
        return replace(found, reply_to=Quote.of(quoted) if quoted else None)

    async def messages(self, timeline: Timeline, message_ids: list[uuid.UUID]) -> list[Message]:
        held = self._history.timelines.get(timeline, {})
        return [held[i] for i in reversed(message_ids) if i in held]  # in no given order

    async def count_unread(
        self,
        timeline: Timeline,
        read_up_to: uuid.UUID | None,
        newest: uuid.UUID,
        reader: str,
        cap: int,
    ) -> Unread:
        floor = sort_key(read_up_to) if read_up_to is not None else ""
        unread = [
            m
            for m in self._history.newest_first(timeline)
            if sort_key(m.id) > floor and m.sender != reader and m.kind == "message"
        ][:cap]
        return Unread(len(unread), sum(reader in m.mentions for m in unread))


def _older(newest_first: list[Message], limit: int) -> TimelinePage:
    page = newest_first[:limit]
    more = len(newest_first) > limit
    return TimelinePage(page, page[-1].id if more and page else None)


class FakeTimelineCache:
    """What the writer writes to Redis: recorded, never read (the read API's fake reads the
    history itself)."""

    def __init__(self) -> None:
        self.appended: list[tuple[list[str], Message]] = []
        self.replaced: list[tuple[list[str], Message]] = []

    async def append(self, timelines: Sequence[str], message: Message) -> None:
        self.appended.append((list(timelines), message))

    async def replace(self, timelines: Sequence[str], message: Message) -> None:
        self.replaced.append((list(timelines), message))
