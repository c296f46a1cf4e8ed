"""The one read API of message histories, as Synapse's `paginate_room_events` is.

`page(timeline, cursor, direction, limit)` answers a page and the cursor to go on with;
`numbered_page` answers `GET /messages` by page number (or `before` cursor) with the
total. Both own the cache-aside: Redis (`TimelineCache`) answers when it holds the whole
page, or the whole timeline; otherwise Cassandra (`TimelineStore`) does, walking its day
buckets. Callers see timelines, cursors (message ids) and pages, never buckets, sort keys
or the cache's pages.

The hot paths keep what makes them fast: an unchanged first page is the cache's shared
`SharedMessages` list, a cursor below a full cached timeline skips Redis, an absent
timeline is filled once, and the remembered total spares the tallies.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from chat_service.domain.errors import NotFound
from chat_service.domain.ids import sort_key
from chat_service.domain.models import Message, Unread
from chat_service.domain.timelines import (
    ConversationTimeline,
    Direction,
    DirectMessagesTimeline,
    NumberedPage,
    Timeline,
    TimelinePage,
)
from chat_service.repos.bucket_tallies import BucketTally
from chat_service.repos.cache.timelines import (
    CachedPage,
    TimelineCache,
)
from chat_service.repos.marks_memory import MarksMemory
from chat_service.repos.quotes import with_quotes
from chat_service.repos.timelines import TimelineStore

_NOTHING_UNREAD = Unread(0, 0)


class TimelinePages:
    def __init__(
        self,
        cache: TimelineCache,
        conversations: TimelineStore,
        users: TimelineStore,
        quotes: MarksMemory | None = None,
    ) -> None:
        self._cache = cache
        self._quotes = quotes  # what this process remembers of quoted messages
        # Per kind of timeline: its Cassandra history and how its cache key is named.
        self._sources: dict[type[Timeline], tuple[TimelineStore, Callable[[Any], str]]] = {
            ConversationTimeline: (conversations, ConversationTimeline.name_of),
            DirectMessagesTimeline: (users, DirectMessagesTimeline.name_of),
        }

    def page(
        self, timeline: Timeline, cursor: uuid.UUID | None, direction: Direction, limit: int
    ) -> Awaitable[TimelinePage]:
        """Up to `limit` messages on `direction`'s side of `cursor`, newest first, and the
        cursor of the next page that way (None at the end). AROUND includes the cursor's
        message, and raises NotFound when it does not exist. Replies carry their quotes.

        Not itself a coroutine: the awaited one resolves the quotes of the direction's own
        page."""
        owner = timeline.owner
        store, key_of = self._sources[type(timeline)]
        key = key_of(owner)
        if direction is Direction.BEFORE:
            reading = self._before(store, key, owner, cursor, limit)
        elif cursor is None:
            raise ValueError(f"{direction} needs a cursor")
        elif direction is Direction.AFTER:
            reading = self._after(store, key, owner, cursor, limit)
        else:
            reading = self._around(store, key, owner, cursor, limit)
        return self._quoting(store, key, owner, reading)

    async def numbered_page(
        self, timeline: Timeline, position: int | uuid.UUID, size: int
    ) -> NumberedPage:
        """Page `position` (from 1) of `size` messages, or the page below the message id
        `position` (a previous page's cursor), newest first, with the timeline's total."""
        owner = timeline.owner
        store, key_of = self._sources[type(timeline)]
        key = key_of(owner)
        cache = self._cache
        number, before = (position, None) if isinstance(position, int) else (None, position)
        offset = 0
        cached: CachedPage | None = None
        if before is not None:
            cached = await cache.before(key, before, size)
        elif number is not None:
            offset = (number - 1) * size
            if offset + size < cache.max_len:
                cached = await cache.newest(key, offset, size)
                if cached is None:
                    await cache.ensure_filled(key, _loader(store, owner))
                    cached = await cache.newest(key, offset, size)
        tallies: list[BucketTally] | None = None
        messages: list[Message]
        if cached is not None and (cached.more or cached.cached_count < cache.max_len):
            messages, more = cached.messages, cached.more
        elif before is not None:  # the page and the tallies (for the total) at once
            (messages, more), tallies = await asyncio.gather(
                store.newest(owner, size, before=before), store.tallies(owner)
            )
        else:
            tallies = await store.tallies(owner)
            messages, more = await _by_offset(store, owner, offset, size, tallies)
        if cached is not None and cached.total is not None:
            total = cached.total
        else:
            total = await self._total(store, key, owner, cached, tallies)
        return NumberedPage(
            messages=await with_quotes(store, owner, messages),
            page=number,
            page_size=size,
            total=total,
            next_cursor=messages[-1].id if more and messages else None,
        )

    async def message(self, timeline: Timeline, message_id: uuid.UUID) -> Message | None:
        """The message (a reply with its quote), or None."""
        store, key_of = self._sources[type(timeline)]
        found = await store.get(timeline.owner, message_id)
        if found is None or found.reply_to_id is None:
            return found
        [quoting] = await with_quotes(
            store, timeline.owner, [found], self._quotes, key_of(timeline.owner)
        )
        return quoting

    async def messages(self, timeline: Timeline, message_ids: list[uuid.UUID]) -> list[Message]:
        """The messages of `message_ids` that exist, in no particular order (search results:
        one read per day bucket, not one per message); replies carry their quotes."""
        store, key_of = self._sources[type(timeline)]
        found = await store.get_many(timeline.owner, message_ids)
        return await with_quotes(store, timeline.owner, found, self._quotes, key_of(timeline.owner))

    async def count_unread(
        self,
        timeline: Timeline,
        read_up_to: uuid.UUID | None,
        newest: uuid.UUID,
        reader: str,
        cap: int,
    ) -> Unread:
        """Messages newer than `read_up_to` that `reader` did not send, at most `cap`, and
        how many of them mention `reader`; no read at all when the marker is at or past
        `newest` (the common case)."""
        if read_up_to is not None and sort_key(read_up_to) >= sort_key(newest):
            return _NOTHING_UNREAD
        store, _ = self._sources[type(timeline)]
        return await store.count_unread(timeline.owner, read_up_to, reader, cap)

    async def _quoting(
        self, store: TimelineStore, key: str, owner: object, reading: Awaitable[TimelinePage]
    ) -> TimelinePage:
        page = await reading
        quoting = await with_quotes(store, owner, page.messages, self._quotes, key)
        return page if quoting is page.messages else TimelinePage(quoting, page.next_cursor)

    async def _before(
        self,
        store: TimelineStore,
        key: str,
        owner: object,
        before: uuid.UUID | None,
        limit: int,
    ) -> TimelinePage:
        cache = self._cache
        if before is None:
            cached = await cache.newest(key, 0, limit)
            if cached is None:  # absent: filled once, whoever else misses meanwhile
                await cache.ensure_filled(key, _loader(store, owner))
                cached = await cache.newest(key, 0, limit)
        else:
            cached = await cache.before(key, before, limit)
        older: list[Message]
        if cached is not None and (cached.more or cached.cached_count < cache.max_len):
            older, more = cached.messages, cached.more
        else:
            older, more = await store.newest(owner, limit, before=before)
        return TimelinePage(older, older[-1].id if more and older else None)

    async def _after(
        self, store: TimelineStore, key: str, owner: object, after: uuid.UUID, limit: int
    ) -> TimelinePage:
        newer, more = await self._newer(store, key, owner, after, limit)
        return TimelinePage(newer[::-1], newer[-1].id if more and newer else None)

    async def _around(
        self, store: TimelineStore, key: str, owner: object, anchor_id: uuid.UUID, limit: int
    ) -> TimelinePage:
        anchor = await store.get(owner, anchor_id)
        if anchor is None:
            raise NotFound("The message does not exist.", code="message_not_found")
        newer_count = (limit - 1) // 2
        older, (newer, _) = await asyncio.gather(
            self._before(store, key, owner, anchor_id, limit - 1 - newer_count),
            self._newer(store, key, owner, anchor_id, newer_count),
        )
        return TimelinePage([*newer[::-1], anchor, *older.messages], older.next_cursor)

    async def _newer(
        self, store: TimelineStore, key: str, owner: object, after: uuid.UUID, limit: int
    ) -> tuple[list[Message], bool]:
        """Oldest first."""
        cache = self._cache
        cached = await cache.after(key, after, limit)
        if cached is not None and (
            cached.cached_count < cache.max_len or cached.oldest_key <= sort_key(after)
        ):
            return cached.messages, cached.more
        return await store.oldest_after(owner, after, limit)

    async def _total(
        self,
        store: TimelineStore,
        key: str,
        owner: object,
        cached: CachedPage | None,
        tallies: list[BucketTally] | None,
    ) -> int:
        """The sum of the buckets' tallies, which the cache remembers for a few seconds (and
        advances by each message appended since), so busy readers do not count every time."""
        if tallies is None:
            tallies = await store.tallies(owner)
        total = sum(tally.messages for tally in tallies)
        if cached is not None:
            await self._cache.remember_total(key, total, cached)
        return total


async def _by_offset(
    store: TimelineStore, owner: object, offset: int, size: int, tallies: list[BucketTally]
) -> tuple[list[Message], bool]:
    """Skip whole buckets by their tallies, then find the page's start inside one by its
    position from the bucket's oldest message: a bounded read whatever the offset."""
    for tally in tallies:
        if offset < tally.messages:
            if offset == 0:
                return await store.newest(owner, size, top_bucket=tally.bucket)
            last_skipped = await store.id_at(owner, tally, tally.messages - offset)
            if last_skipped is None:
                break
            return await store.newest(owner, size, before=last_skipped)
        offset -= tally.messages
    return [], False


def _loader(store: TimelineStore, owner: object) -> Callable[[int], Awaitable[list[Message]]]:
    async def load(count: int) -> list[Message]:
        messages, _ = await store.newest(owner, count)
        return messages

    return load
