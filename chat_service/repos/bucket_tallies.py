"""How many messages each day bucket of a history holds, and where page numbers start in
it, without a counter on the write path (migration 0010, docs/data-model.md).

A bucket's tally is counted on read and kept in its index row: `messages`, the number of
its messages whose id is older than `counted_ns`, and `anchors`, the id at every
`ANCHOR_EVERY`-th of them counted from the oldest. Messages are never removed (a delete
blanks the row), so positions counted from the oldest never move, and a tally is extended
by reading only the ids after `counted_ns` (the tail). A reader keeps a tally only up to
`SETTLE_NS` before its own clock, and writes it with that time as the write timestamp: a
message stored later than `LATE_NS` after its id was made (a retry of an attempt that
died) deletes the tally cells in its own batch, at its own time, and so shadows any tally
counted before it could be seen; the next reader counts the bucket again. A bucket whose
day ended more than `SETTLE_NS` ago is counted whole, once.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chat_service.domain.ids import NS_PER_DAY, epoch_ns, timeuuid_from_ticks
from chat_service.infra.cassandra import CassandraSession

ANCHOR_EVERY = 64  # ids read at most to find a page's start inside a kept tally
# A write this long after its id was made resets the tally: longer than a send takes even
# when the process is overloaded (ids are made when the request starts).
LATE_NS = 10 * 1_000_000_000
SETTLE_NS = 30 * 1_000_000_000  # > LATE_NS + the request timeout (5 s) + clock skew
KEEP_EVERY = 128  # settled ids past the kept tally before a reader writes it again
_ID_PAGE = 5000
_INDEX_PAGE = 256
_COUNTING_AT_ONCE = 16  # buckets counted concurrently by one read
_NO_BUCKET = 2**31 - 1
_GREGORIAN_OFFSET_TICKS = 0x01B21DD213814000
_LEAST = 0x8080  # clock sequence and node of the least TIMEUUID of a tick (signed bytes)


def _least_id_at(at_ns: int) -> uuid.UUID:
    """The smallest TIMEUUID made at `at_ns` (100-ns precision): `>=` it is "from then"."""
    return timeuuid_from_ticks(at_ns // 100 + _GREGORIAN_OFFSET_TICKS, _LEAST, 0x808080808080)


_BEFORE_EVERY_ID = _least_id_at(0)


def is_late(message_id: uuid.UUID, now_ns: int) -> bool:
    """Whether storing `message_id` now may land below a tally a reader has kept."""
    return now_ns - epoch_ns(message_id) > LATE_NS


@dataclass(frozen=True, slots=True)
class BucketTally:
    """One bucket's messages as read: the first `kept` (oldest first) are the kept tally's,
    counted before `counted_ns`; `tail` holds the ids of the rest, oldest first."""

    bucket: int
    messages: int
    kept: int
    counted_ns: int | None
    tail: tuple[uuid.UUID, ...]


class BucketTallies:
    def __init__(
        self, db: CassandraSession, statements: dict[str, Any], clock_ns: Callable[[], int]
    ) -> None:
        self._db = db
        self._s = statements
        self._clock_ns = clock_ns

    @classmethod
    async def create(
        cls,
        db: CassandraSession,
        messages: str,
        owner: str,
        index: str,
        clock_ns: Callable[[], int] = time.time_ns,
    ) -> BucketTallies:
        ids = f"SELECT message_id FROM {messages} WHERE {owner} = ? AND bucket = ?"
        row = f"FROM {index} WHERE {owner} = ? AND bucket"
        cql = {
            "tallies": f"SELECT bucket, messages, counted_ns {row} <= ? LIMIT ?",
            "anchors": f"SELECT messages, counted_ns, anchors {row} = ?",
            "ids_from": f"{ids} AND message_id >= ? ORDER BY message_id ASC LIMIT ?",
            "ids_after": f"{ids} AND message_id > ? ORDER BY message_id ASC LIMIT ?",
            "keep": f"UPDATE {index} USING TIMESTAMP ? SET messages = ?, counted_ns = ?, "
            f"anchors = ? WHERE {owner} = ? AND bucket = ?",
            "forget": f"DELETE messages, counted_ns, anchors FROM {index} "
            f"WHERE {owner} = ? AND bucket = ?",
        }
        statements = {name: await db.prepare(text) for name, text in cql.items()}
        return cls(db, statements, clock_ns)

    def forget(self, owner: object, bucket: int) -> Any:
        """For a late message's batch: the bucket's tally is counted again."""
        return self._s["forget"].bind((owner, bucket))

    async def read(self, owner: object) -> list[BucketTally]:
        """Every non-empty bucket's tally, newest first, exact as of this read."""
        now_ns = self._clock_ns()
        rows: list[Any] = []
        top = _NO_BUCKET
        while True:
            page = await self._db.execute(self._s["tallies"], (owner, top, _INDEX_PAGE))
            rows.extend(page)
            if len(page) < _INDEX_PAGE:
                break
            top = page[-1].bucket - 1
        tallies: list[BucketTally] = []
        for start in range(0, len(rows), _COUNTING_AT_ONCE):
            tallies.extend(
                await asyncio.gather(
                    *(
                        self._tally(owner, row, now_ns)
                        for row in rows[start : start + _COUNTING_AT_ONCE]
                    )
                )
            )
        return tallies

    async def id_at(self, owner: object, tally: BucketTally, position: int) -> uuid.UUID | None:
        """The id at `position` (0: the bucket's oldest) of the bucket `tally` was read of:
        from its tail, or from the nearest anchor at or below it (at most `ANCHOR_EVERY`
        ids read)."""
        if position >= tally.kept:
            rest = position - tally.kept
            return tally.tail[rest] if rest < len(tally.tail) else None
        rows = await self._db.execute(self._s["anchors"], (owner, tally.bucket))
        if not rows or not _covers(rows[0], tally):  # reset by a late message since
            return await self._nth(owner, tally.bucket, _BEFORE_EVERY_ID, position)
        anchor = rows[0].anchors[position // ANCHOR_EVERY]
        skip = position % ANCHOR_EVERY
        return anchor if skip == 0 else await self._nth(owner, tally.bucket, anchor, skip)

    async def _tally(self, owner: object, row: Any, now_ns: int) -> BucketTally:
        bucket, counted_ns = row.bucket, row.counted_ns
        if counted_ns is None or row.messages is None:
            kept, counted_ns = 0, None
        else:
            kept = row.messages
            if counted_ns >= _end_ns(bucket):  # counted whole
                return BucketTally(bucket, kept, kept, counted_ns, ())
        start = _least_id_at(counted_ns) if counted_ns is not None else _BEFORE_EVERY_ID
        tail = await self._ids(owner, bucket, start)
        await self._keep(owner, bucket, kept, counted_ns, tail, now_ns)
        return BucketTally(bucket, kept + len(tail), kept, counted_ns, tuple(tail))

    async def _keep(
        self,
        owner: object,
        bucket: int,
        kept: int,
        counted_ns: int | None,
        tail: list[uuid.UUID],
        now_ns: int,
    ) -> None:
        """Write the tally extended by the settled part of `tail`, when that is worth it: it
        grew by `KEEP_EVERY`, or the bucket's day is over (counted whole, never again)."""
        settled_before = (now_ns - SETTLE_NS) // 100 * 100
        horizon = min(settled_before, _end_ns(bucket))
        if counted_ns is not None and horizon <= counted_ns:
            return
        settled = 0
        while settled < len(tail) and epoch_ns(tail[settled]) < horizon:
            settled += 1
        if settled < KEEP_EVERY and horizon < _end_ns(bucket):
            return
        anchors: list[uuid.UUID] = []
        if kept:
            rows = await self._db.execute(self._s["anchors"], (owner, bucket))
            if not rows or (rows[0].messages, rows[0].counted_ns) != (kept, counted_ns):
                return  # changed meanwhile: a later reader keeps it
            anchors = list(rows[0].anchors or ())
        anchors.extend(
            message_id
            for position, message_id in enumerate(tail[:settled], start=kept)
            if position % ANCHOR_EVERY == 0
        )
        at_us = settled_before // 1000
        params = (at_us, kept + settled, horizon, anchors, owner, bucket)
        await self._db.execute(self._s["keep"], params)

    async def _ids(self, owner: object, bucket: int, start: uuid.UUID) -> list[uuid.UUID]:
        """Every id of the bucket from `start` on, oldest first."""
        found: list[uuid.UUID] = []
        statement, bound = self._s["ids_from"], start
        while True:
            rows = await self._db.execute(
                statement, (owner, bucket, bound, _ID_PAGE), plain_rows=True
            )
            found.extend(row[0] for row in rows)
            if len(rows) < _ID_PAGE:
                return found
            statement, bound = self._s["ids_after"], found[-1]

    async def _nth(self, owner: object, bucket: int, start: uuid.UUID, n: int) -> uuid.UUID | None:
        """The id `n` places after `start` (0: `start`'s own), oldest first."""
        wanted = n + 1
        statement, bound = self._s["ids_from"], start
        while True:
            rows = await self._db.execute(
                statement, (owner, bucket, bound, min(wanted, _ID_PAGE)), plain_rows=True
            )
            if len(rows) >= wanted:
                return rows[wanted - 1][0]
            if len(rows) < _ID_PAGE:
                return None
            wanted -= len(rows)
            statement, bound = self._s["ids_after"], rows[-1][0]


def _covers(row: Any, tally: BucketTally) -> bool:
    """Whether the anchors of `row` hold those of `tally`'s kept part: the same tally, or
    one extended since (positions from the oldest never move, so it only adds anchors)."""
    if row.anchors is None or row.counted_ns is None:
        return False
    return bool(row.messages >= tally.kept and row.counted_ns >= (tally.counted_ns or 0))


def _end_ns(bucket: int) -> int:
    return (bucket + 1) * NS_PER_DAY
