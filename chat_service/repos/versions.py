"""Edit history in Cassandra: the earlier texts of a message, one partition per message.

A version is written before the edit that replaces it (so no edit is ever without its
earlier text) and taken back when that edit finds the message deleted; a delete removes the
whole partition, so a version written before it cannot outlive it.
"""

from __future__ import annotations

import uuid
from typing import Any

from chat_service.domain.clock import datetime_to_ns, ns_to_datetime
from chat_service.domain.models import Version
from chat_service.infra.cassandra import CassandraSession

VERSIONS_MAX = 1000  # a message's history is read at most this long (oldest first)


class VersionRepository:
    def __init__(self, db: CassandraSession, statements: dict[str, Any]) -> None:
        self._db = db
        self._s = statements

    @classmethod
    async def create(cls, db: CassandraSession) -> VersionRepository:
        key = "conversation_id = ? AND message_id = ?"
        cql = {
            "insert": "INSERT INTO message_versions (conversation_id, message_id, edited_at, "
            "content) VALUES (?, ?, ?, ?)",
            "forget": f"DELETE FROM message_versions WHERE {key} AND edited_at = ?",
            "erase": f"DELETE FROM message_versions WHERE {key}",
            "list": f"SELECT edited_at, content FROM message_versions WHERE {key} LIMIT ?",
        }
        return cls(db, {name: await db.prepare(text) for name, text in cql.items()})

    async def keep(
        self, conversation_id: uuid.UUID, message_id: uuid.UUID, version: Version
    ) -> None:
        await self._db.execute(
            self._s["insert"],
            (conversation_id, message_id, ns_to_datetime(version.edited_at_ns), version.content),
        )

    async def forget(
        self, conversation_id: uuid.UUID, message_id: uuid.UUID, version: Version
    ) -> None:
        await self._db.execute(
            self._s["forget"], (conversation_id, message_id, ns_to_datetime(version.edited_at_ns))
        )

    async def erase(self, conversation_id: uuid.UUID, message_id: uuid.UUID) -> None:
        await self._db.execute(self._s["erase"], (conversation_id, message_id))

    async def earlier(self, conversation_id: uuid.UUID, message_id: uuid.UUID) -> list[Version]:
        """The texts the message had before its current one, oldest first."""
        rows = await self._db.execute(self._s["list"], (conversation_id, message_id, VERSIONS_MAX))
        return [Version(row.content, datetime_to_ns(row.edited_at)) for row in rows]
