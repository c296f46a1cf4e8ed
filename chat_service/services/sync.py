"""Catching up (`GET /sync`): every event a user would have received since a position,
oldest first, each once, merged at read time from the few change logs that moved.

The logs to read: the user's own, and those of the conversations they are a member of
whose last message (`last_activity_id`) or last other change is above the position's floor;
each from the later of the floor and the time the user joined, so nothing from before
their membership is replayed. `domain/stream.py` has the merge and the token rules.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from chat_service.domain.errors import Gone
from chat_service.domain.events import Event, conversation_stream, user_stream
from chat_service.domain.stream import StreamPosition, StreamRead, merge, ns_of_ticks, ticks_of_ns
from chat_service.services.ports import ConversationStore


class SyncExpired(Gone):
    """The position is older than the logs keep (410): the client reloads instead."""

    code = "sync_expired"


class ChangeFeed(Protocol):
    """The change logs (`repos.changes.ChangeLogRepository`)."""

    async def touched(self, username: str) -> dict[uuid.UUID, uuid.UUID]: ...

    async def read(
        self, stream: str, after_ticks: int, until_ns: int, limit: int
    ) -> tuple[list[Event], bool]: ...


@dataclass(frozen=True, slots=True)
class SyncSettings:
    settle_ns: int  # how late a change may become visible after its id was made
    retention_ns: int  # how long the logs are kept (at least 7 days)


@dataclass(frozen=True, slots=True)
class SyncPage:
    events: list[tuple[Event, str]]  # each with the stream_id of the position after it
    next_since: str
    has_more: bool


class SyncService:
    def __init__(
        self,
        conversations: ConversationStore,
        feed: ChangeFeed,
        settings: SyncSettings,
        clock_ns: Callable[[], int],
    ) -> None:
        self._conversations = conversations
        self._feed = feed
        self._settings = settings
        self._clock_ns = clock_ns

    async def sync(self, caller: str, since: StreamPosition | None, limit: int) -> SyncPage:
        """`since` None: no events, and the current position to start from."""
        now = self._clock_ns()
        settled = ticks_of_ns(now - self._settings.settle_ns)
        if since is None:
            return SyncPage([], StreamPosition(settled).encode(), has_more=False)
        if ns_of_ticks(since.floor) < now - self._settings.retention_ns:
            raise SyncExpired(
                "That position is older than the events kept; reload the conversations."
            )
        streams = await self._streams(caller, since)
        per_stream = limit + len(since.seen) + 1
        reads = await asyncio.gather(
            *(self._feed.read(stream, after, now, per_stream) for stream, after in streams)
        )
        by_id = {e.change_id: e for events, _ in reads for e in events if e.change_id}
        merged = merge(since, _as_reads(reads), limit, settled)
        return SyncPage(
            [(by_id[c], p.encode()) for c, p in zip(merged.changes, merged.positions, strict=True)],
            merged.next_position.encode(),
            merged.has_more,
        )

    async def _streams(self, caller: str, since: StreamPosition) -> list[tuple[str, int]]:
        """The logs that may hold something above `since`, each with the time to read after."""
        rows, touched = await asyncio.gather(
            self._conversations.user_conversations(caller), self._feed.touched(caller)
        )
        streams = [(user_stream(caller), since.floor)]
        for row in rows:
            marks = [m for m in (row.last_activity_id, touched.get(row.conversation_id)) if m]
            if not any(mark.time > since.floor for mark in marks):
                continue
            joined = ticks_of_ns(row.joined_at_ns) - 1 if row.joined_at_ns else 0
            streams.append((conversation_stream(row.conversation_id), max(since.floor, joined)))
        return streams


def _as_reads(reads: Sequence[tuple[list[Event], bool]]) -> list[StreamRead]:
    return [
        StreamRead([e.change_id for e in events if e.change_id is not None], truncated)
        for events, truncated in reads
    ]
