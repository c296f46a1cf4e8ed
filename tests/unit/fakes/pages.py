"""Fakes of what the read API reads: the Redis cache of recent history (a complete copy of
the newest `max_len` messages, or absent) and the Cassandra history (day buckets with
their tallies). Both count what they were asked."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Collection

from chat_service.domain.ids import day_bucket, sort_key
from chat_service.domain.models import Message, Quote, SharedMessages, Unread
from chat_service.repos.bucket_tallies import BucketTally
from chat_service.repos.cache.timelines import CachedPage


class FakePageCache:
    def __init__(self, max_len: int = 500) -> None:
        self.max_len = max_len
        self.timelines: dict[str, list[Message]] = {}  # newest first
        self.totals: dict[str, int] = {}
        self.fills = 0

    def hold(self, key: str, newest_first: list[Message]) -> None:
        self.timelines[key] = newest_first[: self.max_len]

    async def newest(self, key: str, offset: int, count: int) -> CachedPage | None:
        held = self.timelines.get(key)
        if held is None:
            return None
        return self._page(key, held[offset : offset + count], len(held) > offset + count)

    async def before(self, key: str, message_id: uuid.UUID, count: int) -> CachedPage | None:
        held = self.timelines.get(key)
        if held is None:
            return None
        older = [m for m in held if sort_key(m.id) < sort_key(message_id)]
        return self._page(key, older[:count], len(older) > count)

    async def after(self, key: str, message_id: uuid.UUID, count: int) -> CachedPage | None:
        held = self.timelines.get(key)
        if held is None:
            return None
        newer = [m for m in reversed(held) if sort_key(m.id) > sort_key(message_id)]
        return self._page(key, newer[:count], len(newer) > count)

    async def ensure_filled(
        self, key: str, load: Callable[[int], Awaitable[list[Message]]]
    ) -> None:
        self.fills += 1
        self.hold(key, await load(self.max_len))

    async def remember_total(self, key: str, total: int, page: CachedPage) -> None:
        self.totals[key] = total

    def _page(self, key: str, messages: list[Message], more: bool) -> CachedPage:
        held = self.timelines[key]
        oldest = sort_key(held[-1].id) if held else ""
        return CachedPage(
            SharedMessages(messages), more, len(held), oldest, b"v", self.totals.get(key)
        )


class FakeHistoryStore:
    """`TimelineStore` in memory: one owner's messages, bucketed by day like Cassandra's."""

    def __init__(self) -> None:
        self.owners: dict[object, list[Message]] = {}  # newest first
        self.reads: Counter[str] = Counter()

    def hold(self, owner: object, messages: list[Message]) -> None:
        self.owners[owner] = sorted(messages, key=lambda m: sort_key(m.id), reverse=True)

    async def get(self, owner: object, message_id: uuid.UUID) -> Message | None:
        self.reads["get"] += 1
        return next((m for m in self.owners.get(owner, []) if m.id == message_id), None)

    async def newest(
        self,
        owner: object,
        limit: int,
        before: uuid.UUID | None = None,
        top_bucket: int | None = None,
    ) -> tuple[list[Message], bool]:
        self.reads["newest"] += 1
        found = self.owners.get(owner, [])
        if before is not None:
            found = [m for m in found if sort_key(m.id) < sort_key(before)]
        if top_bucket is not None:
            found = [m for m in found if day_bucket(m.id) <= top_bucket]
        return found[:limit], len(found) > limit

    async def oldest_after(
        self, owner: object, after: uuid.UUID, limit: int
    ) -> tuple[list[Message], bool]:
        self.reads["oldest_after"] += 1
        newer = [
            m for m in reversed(self.owners.get(owner, [])) if sort_key(m.id) > sort_key(after)
        ]
        return newer[:limit], len(newer) > limit

    async def tallies(self, owner: object) -> list[BucketTally]:
        """Every bucket as an untallied one: its whole content is the tail."""
        self.reads["tallies"] += 1
        buckets: dict[int, list[uuid.UUID]] = {}
        for m in reversed(self.owners.get(owner, [])):
            buckets.setdefault(day_bucket(m.id), []).append(m.id)
        return [
            BucketTally(bucket, len(ids), 0, None, tuple(ids))
            for bucket, ids in sorted(buckets.items(), reverse=True)
        ]

    async def id_at(self, owner: object, tally: BucketTally, position: int) -> uuid.UUID | None:
        self.reads["id_at"] += 1
        return tally.tail[position] if position < len(tally.tail) else None

    async def count_unread(
        self, owner: object, after: uuid.UUID | None, reader: str, cap: int
    ) -> Unread:
        self.reads["count_unread"] += 1
        floor = sort_key(after) if after is not None else ""
        found = [
            m
            for m in self.owners.get(owner, [])
            if sort_key(m.id) > floor and m.sender != reader and m.kind == "message"
        ][:cap]
        return Unread(len(found), sum(reader in m.mentions for m in found))

    async def quoted(self, owner: object, message_ids: Collection[uuid.UUID]) -> list[Quote]:
        self.reads["quoted"] += 1
        return [Quote.of(m) for m in self.owners.get(owner, []) if m.id in message_ids]
