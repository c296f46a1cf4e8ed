"""Who was mentioned where: `mentions_by_user`, one partition per user and day bucket,
newest first, with an index of the non-empty buckets. Rows name the message, never its
text, so only a change of who is mentioned writes here."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from typing import Any

from cassandra.query import BatchStatement

from chat_service.domain.ids import day_bucket
from chat_service.infra.cassandra import CassandraSession

_INDEX_PAGE = 64
_NO_BUCKET = 2**31 - 1


class MentionRepository:
    def __init__(self, db: CassandraSession, statements: dict[str, Any]) -> None:
        self._db = db
        self._s = statements

    @classmethod
    async def create(cls, db: CassandraSession) -> MentionRepository:
        select = "SELECT message_id, conversation_id FROM mentions_by_user "
        where = "WHERE username = ? AND bucket = ?"
        cql = {
            "insert": "INSERT INTO mentions_by_user (username, bucket, message_id, "
            "conversation_id) VALUES (?, ?, ?, ?)",
            "index": "INSERT INTO mention_bucket_index (username, bucket) VALUES (?, ?)",
            "remove": f"DELETE FROM mentions_by_user {where} AND message_id = ?",
            "buckets": "SELECT bucket FROM mention_bucket_index WHERE username = ? "
            "AND bucket <= ? LIMIT ?",
            "newest": f"{select}{where} LIMIT ?",
            "newest_before": f"{select}{where} AND message_id < ? LIMIT ?",
        }
        return cls(db, {name: await db.prepare(text) for name, text in cql.items()})

    def add_to(
        self,
        batch: BatchStatement,
        conversation_id: uuid.UUID,
        message_id: uuid.UUID,
        usernames: Sequence[str],
    ) -> None:
        """The rows (and bucket index rows) mentioning `usernames`, for the caller's batch."""
        bucket = day_bucket(message_id)
        for username in usernames:
            batch.add(self._s["insert"].bind((username, bucket, message_id, conversation_id)))
            batch.add(self._s["index"].bind((username, bucket)))

    async def add(
        self, conversation_id: uuid.UUID, message_id: uuid.UUID, usernames: Sequence[str]
    ) -> None:
        if usernames:
            batch = BatchStatement()
            self.add_to(batch, conversation_id, message_id, usernames)
            await self._db.execute(batch)

    async def remove(self, message_id: uuid.UUID, usernames: Sequence[str]) -> None:
        bucket = day_bucket(message_id)
        await asyncio.gather(
            *(self._db.execute(self._s["remove"], (name, bucket, message_id)) for name in usernames)
        )

    async def newest(
        self, username: str, before: uuid.UUID | None, limit: int
    ) -> tuple[list[tuple[uuid.UUID, uuid.UUID]], bool]:
        """Up to `limit` (conversation id, message id) mentioning `username`, older than
        `before`, newest first, and whether more exist."""
        wanted = limit + 1
        found: list[tuple[uuid.UUID, uuid.UUID]] = []
        top = day_bucket(before) if before is not None else _NO_BUCKET
        while len(found) < wanted:
            rows = await self._db.execute(self._s["buckets"], (username, top, _INDEX_PAGE))
            buckets = [row.bucket for row in rows]
            for bucket in buckets:
                params: tuple[object, ...] = (username, bucket)
                statement = self._s["newest"]
                if before is not None and bucket == day_bucket(before):
                    statement, params = self._s["newest_before"], (*params, before)
                page = await self._db.execute(statement, (*params, wanted - len(found)))
                found.extend((row.conversation_id, row.message_id) for row in page)
                if len(found) >= wanted:
                    break
            if len(buckets) < _INDEX_PAGE:
                break
            top = buckets[-1] - 1
        return found[:limit], len(found) > limit
