"""An in-memory search index (`services.search.TermIndex`) that keeps write timestamps as
Cassandra does: a row written at or before its newest removal stays removed."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from chat_service.domain.ids import sort_key
from chat_service.domain.search import SearchQuery

Key = tuple[str, str, uuid.UUID]  # scope, term, message id


@dataclass(frozen=True)
class FakeHits:
    ids: list[uuid.UUID]
    floor: uuid.UUID | None = None


class FakeTermIndex:
    def __init__(self) -> None:
        self.rows: dict[Key, int] = {}  # the write time of each live row
        self.removed: dict[Key, int] = {}  # the time of each row's newest removal

    async def add(
        self, scopes: Sequence[str], message_id: uuid.UUID, terms: Iterable[str], at_us: int
    ) -> None:
        for scope in scopes:
            for term in terms:
                key = (scope, term, message_id)
                if at_us > self.removed.get(key, -1):
                    self.rows[key] = max(at_us, self.rows.get(key, at_us))

    async def remove(
        self, scopes: Sequence[str], message_id: uuid.UUID, terms: Iterable[str], at_us: int
    ) -> None:
        for scope in scopes:
            for term in terms:
                key = (scope, term, message_id)
                self.removed[key] = max(at_us, self.removed.get(key, at_us))
                if self.rows.get(key, at_us + 1) <= at_us:
                    del self.rows[key]

    async def find(
        self, scope: str, query: SearchQuery, before: uuid.UUID | None, wanted: int
    ) -> FakeHits:
        terms: dict[uuid.UUID, set[str]] = {}
        for row_scope, term, message_id in self.rows:
            if row_scope == scope:
                terms.setdefault(message_id, set()).add(term)
        ids = [
            i
            for i, found in terms.items()
            if query.matches(found) and (before is None or sort_key(i) < sort_key(before))
        ]
        return FakeHits(sorted(ids, key=sort_key, reverse=True))

    def terms_of(self, scope: str, message_id: uuid.UUID) -> set[str]:
        return {term for s, term, i in self.rows if s == scope and i == message_id}
