"""How the search index's rows of one message are sent: every row once, in as few requests
as Cassandra allows without its batch warnings (at most `BATCH_ROWS` rows, and so never more
than ten partitions, a batch)."""

from __future__ import annotations

import uuid
from typing import Any

from cassandra.query import BatchStatement, SimpleStatement

from chat_service.infra.caches import CacheRegistry
from chat_service.repos.search_index import BATCH_ROWS, SearchIndex

Row = tuple[str, tuple[Any, ...]]


class _Statement:
    """Binds to a driver statement whose text names the row (kept in `rows`)."""

    def __init__(self, name: str, rows: dict[str, Row]) -> None:
        self.name = name
        self._rows = rows

    def bind(self, values: tuple[Any, ...]) -> SimpleStatement:
        key = f"row {len(self._rows)}"
        self._rows[key] = (self.name, values)
        return SimpleStatement(key)


class _RecordingSession:
    def __init__(self) -> None:
        self.rows: dict[str, Row] = {}
        self.requests: list[list[Row]] = []

    async def execute(self, statement: Any, params: Any = None) -> list[Any]:
        if isinstance(statement, BatchStatement):
            keys = [query for _, query, _ in statement._statements_and_parameters]
        else:
            keys = [statement.query_string]
        self.requests.append([self.rows[key] for key in keys])
        return []


async def _indexed(terms: list[str], scopes: list[str]) -> _RecordingSession:
    session = _RecordingSession()
    statements = {name: _Statement(name, session.rows) for name in ("insert", "delete", "window")}
    known = CacheRegistry().fifo("known_search_windows", 100)
    index = SearchIndex(session, statements, known)  # type: ignore[arg-type]
    await index.add(scopes, uuid.uuid1(), terms, 1)
    return session


def _partition(row: Row) -> tuple[Any, ...]:
    name, values = row
    return values[:2] if name == "insert" else (values[0], "window")


def _rows(session: _RecordingSession) -> list[Row]:
    return [row for request in session.requests for row in request]


async def test_an_ordinary_direct_message_is_one_request() -> None:
    terms = ["deploy", "the", "app", "example.com", "example", "com", "q3_report", "pdf"]
    scopes = ["c:room", "u:ann", "u:bob"]
    session = await _indexed(terms, scopes)
    assert len(session.requests) == 1
    inserts = [values for name, values in _rows(session) if name == "insert"]
    assert sorted((v[0], v[2]) for v in inserts) == sorted((s, t) for s in scopes for t in terms)
    assert {_partition(row) for row in _rows(session)} == {
        *((scope, inserts[0][1]) for scope in scopes),
        *((scope, "window") for scope in scopes),
    }


async def test_the_longest_message_is_cut_into_batches_of_at_most_batch_rows() -> None:
    terms = [f"{chr(97 + n)}{chr(97 + m)}word" for n in range(8) for m in range(8)]  # 64
    scopes = ["c:room", "u:ann", "u:bob"]
    session = await _indexed(terms, scopes)
    rows = _rows(session)
    inserts = [values for name, values in rows if name == "insert"]
    assert sorted((v[0], v[2]) for v in inserts) == sorted((s, t) for s in scopes for t in terms)
    assert [name for name, _ in rows].count("window") == len(scopes)
    assert all(len(request) <= BATCH_ROWS for request in session.requests)
    assert len(session.requests) == -(-len(rows) // BATCH_ROWS)
