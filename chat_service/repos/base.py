"""The shape every Cassandra repository shares: statements prepared once, at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Self

from chat_service.infra.cassandra import CassandraSession


class PreparedRepository:
    """Subclasses name their statements in `CQL`; `create` prepares them all."""

    CQL: ClassVar[Mapping[str, str]] = {}

    def __init__(self, db: CassandraSession, statements: dict[str, Any]) -> None:
        self._db = db
        self._s = statements

    @classmethod
    async def create(cls, db: CassandraSession) -> Self:
        return cls(db, {name: await db.prepare(text) for name, text in cls.CQL.items()})
