"""How the search index's rows of one message are sent: every row once, in as few requests
as Cassandra allows without its multi-partition warning (at most 10 partitions a batch)."""

from __future__ import annotations

import uuid
from typing import Any

from cassandra.query import BatchStatement, SimpleStatement

from chat_service.infra.caches import CacheRegistry
from chat_service.repos.search_index import BATCH_PARTITIONS, PREFIX, SearchIndex

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
    return values[:3] if name == "insert" else (values[0], "window")


async def test_a_direct_messages_rows_go_in_one_request_per_ten_partitions() -> None:
    terms = [f"{chr(97 + n)}{chr(97 + m)}word" for n in range(8) for m in range(8)]  # 64
    scopes = ["c:room", "u:ann", "u:bob"]
    session = await _indexed(terms, scopes)
    rows = [row for request in session.requests for row in request]
    inserts = [values for name, values in rows if name == "insert"]
    assert sorted((v[0], v[3]) for v in inserts) == sorted((s, t) for s in scopes for t in terms)
    assert [name for name, _ in rows].count("window") == len(scopes)
    for request in session.requests:
        assert len({_partition(row) for row in request}) <= BATCH_PARTITIONS
    partitions = {_partition(row) for row in rows}
    assert len(session.requests) == -(-len(partitions) // BATCH_PARTITIONS)


async def test_rows_of_one_partition_stay_in_one_request() -> None:
    terms = [f"ab{n}" for n in range(30)]  # one prefix: one partition per scope
    session = await _indexed(terms, ["c:room"])
    by_partition: dict[tuple[Any, ...], set[int]] = {}
    for number, request in enumerate(session.requests):
        for row in request:
            by_partition.setdefault(_partition(row), set()).add(number)
    assert all(len(requests) == 1 for requests in by_partition.values())
    assert {key[2] for key in by_partition if key[1] != "window"} == {"ab"[:PREFIX]}
