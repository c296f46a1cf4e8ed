"""The search index in Cassandra: `search_postings` rows (scope, window, term, message id)
and the `search_windows` each scope has terms in (migrations 0011 and 0006,
docs/data-model.md "Search").

A scope is a timeline's name (`c:<conversation id>`, `u:<username>`), a window
`WINDOW_DAYS` days of message ids, and each (scope, window) one partition. A query reads,
per window, one clustering range of that partition per word (a whole word is a range of one
term, the last word a prefix range), and intersects the ids in memory. Rows are written
with explicit timestamps (the message's time, or the edit's), and removed with the time of
the edit or the delete, so a removal always wins over the rows of the text it removes,
whatever order the requests arrive in.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from cassandra.query import BatchStatement, BatchType

from chat_service.domain.ids import NS_PER_DAY, epoch_ns, sort_key, timeuuid_from_ticks
from chat_service.domain.search import SearchQuery
from chat_service.infra.caches import NamedCache
from chat_service.infra.cassandra import CassandraSession

WINDOW_DAYS = 7
SCAN_CAP = 5000  # ids read per word and window: bounds a query on a very common word
WINDOWS_PER_PAGE = 26  # windows one request walks (half a year) before it answers
# Rows per unlogged batch: under Cassandra's 5 KiB batch-size warning for rows of the longest
# terms (a batch spans at most the scopes of one message, never more than ten partitions).
BATCH_ROWS = 40
_TOP = 2**31 - 1
_LAST_CHAR = "\U0010ffff"
_GREGORIAN_OFFSET_TICKS = 0x01B21DD213814000


def window_of(message_id: uuid.UUID) -> int:
    return epoch_ns(message_id) // (NS_PER_DAY * WINDOW_DAYS)


def window_floor(window: int) -> uuid.UUID:
    """The smallest TIMEUUID of `window`: a `before` cursor that skips to older windows."""
    ticks = window * WINDOW_DAYS * NS_PER_DAY // 100 + _GREGORIAN_OFFSET_TICKS
    return timeuuid_from_ticks(ticks, 0, 0)


@dataclass(frozen=True, slots=True)
class SearchHits:
    """Candidate ids, newest first, and where a later request goes on from once they are
    used up (None: no older window is left)."""

    ids: list[uuid.UUID]
    floor: uuid.UUID | None


class SearchIndex:
    def __init__(
        self,
        db: CassandraSession,
        statements: dict[str, Any],
        known_windows: NamedCache[tuple[str, int], bool],
    ) -> None:
        self._db = db
        self._s = statements
        self._known_windows = known_windows

    @classmethod
    async def create(
        cls, db: CassandraSession, known_windows: NamedCache[tuple[str, int], bool]
    ) -> SearchIndex:
        where = "WHERE scope = ? AND time_window = ?"
        select = f"SELECT message_id FROM search_postings {where}"
        cql = {
            "insert": "INSERT INTO search_postings (scope, time_window, term, message_id) "
            "VALUES (?, ?, ?, ?) USING TIMESTAMP ?",
            "delete": f"DELETE FROM search_postings USING TIMESTAMP ? {where} "
            "AND term = ? AND message_id = ?",
            "window": "INSERT INTO search_windows (scope, time_window) VALUES (?, ?)",
            "windows": "SELECT time_window FROM search_windows "
            "WHERE scope = ? AND time_window <= ? LIMIT ?",
            "term": f"{select} AND term = ? LIMIT ?",
            "prefix": f"{select} AND term >= ? AND term < ? LIMIT ?",
        }
        return cls(db, {name: await db.prepare(text) for name, text in cql.items()}, known_windows)

    async def add(
        self, scopes: Sequence[str], message_id: uuid.UUID, terms: Iterable[str], at_us: int
    ) -> None:
        """Index `message_id` under `terms` in every scope, written at `at_us`."""
        window = window_of(message_id)
        insert = self._s["insert"]
        rows = [
            insert.bind((scope, window, term, message_id, at_us))
            for scope in scopes
            for term in terms
        ]
        new = [scope for scope in scopes if (scope, window) not in self._known_windows]
        rows.extend(self._s["window"].bind((scope, window)) for scope in new)
        await self._write(rows)
        for scope in new:
            self._known_windows[(scope, window)] = True

    async def remove(
        self, scopes: Sequence[str], message_id: uuid.UUID, terms: Iterable[str], at_us: int
    ) -> None:
        """Delete the rows of `terms` for `message_id` in every scope, as of `at_us`."""
        window = window_of(message_id)
        delete = self._s["delete"]
        await self._write(
            [
                delete.bind((at_us, scope, window, term, message_id))
                for scope in scopes
                for term in terms
            ]
        )

    async def find(
        self, scope: str, query: SearchQuery, before: uuid.UUID | None, wanted: int
    ) -> SearchHits:
        """Ids holding every word of `query` (older than `before`), newest first: windows are
        read newest first until `wanted` ids are found or `WINDOWS_PER_PAGE` are read."""
        top = window_of(before) if before is not None else _TOP
        rows = await self._db.execute(self._s["windows"], (scope, top, WINDOWS_PER_PAGE + 1))
        windows = [row.time_window for row in rows]
        found: list[uuid.UUID] = []
        for window in windows[:WINDOWS_PER_PAGE]:
            ids = await self._in_window(scope, window, query)
            if before is not None and window == top:
                ceiling = sort_key(before)
                ids = {i for i in ids if sort_key(i) < ceiling}
            found.extend(sorted(ids, key=sort_key, reverse=True))
            if len(found) >= wanted:
                return SearchHits(found, window_floor(window))
        more = len(windows) > WINDOWS_PER_PAGE
        return SearchHits(found, window_floor(windows[WINDOWS_PER_PAGE - 1]) if more else None)

    async def _in_window(self, scope: str, window: int, query: SearchQuery) -> set[uuid.UUID]:
        s, p = self._s, query.prefix
        reads = [
            self._db.execute(s["term"], (scope, window, word, SCAN_CAP)) for word in query.words
        ]
        reads.append(self._db.execute(s["prefix"], (scope, window, p, p + _LAST_CHAR, SCAN_CAP)))
        found: set[uuid.UUID] | None = None
        for rows in await asyncio.gather(*reads):
            ids = {row.message_id for row in rows}
            found = ids if found is None else found & ids
        return found or set()

    async def _write(self, rows: list[Any]) -> None:
        """Every row at once, in unlogged batches of at most `BATCH_ROWS` rows: a message's
        rows fall in one partition per scope (and its scopes' window rows), so a direct
        message of ordinary length is one request. Per partition, one request per batch
        costs Cassandra far less than one per row (bench/ceiling, docs/data-model.md). The
        index is derived and each row idempotent, so a retry repeats it harmlessly."""
        writes = []
        for start in range(0, len(rows), BATCH_ROWS):
            chunk = rows[start : start + BATCH_ROWS]
            if len(chunk) == 1:
                writes.append(self._db.execute(chunk[0]))
                continue
            batch = BatchStatement(BatchType.UNLOGGED)
            for statement in chunk:
                batch.add(statement)
            writes.append(self._db.execute(batch))
        await asyncio.gather(*writes)
