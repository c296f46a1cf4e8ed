"""The change logs behind `/sync` (tables `change_log`, `conversation_changes_by_user`).

An event is written once per stream it belongs to (its conversation's, or a user's own), in
the partition of its change id's UTC day: writing never costs one row per member device.
Which conversation logs a user must read comes from their conversation list rows (messages
move `last_activity_id`) and from `conversation_changes_by_user` (every other change: one
single-row upsert per member, the same cost as a message's activity fan-out).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, ClassVar

from cassandra.query import BatchStatement, BatchType

from chat_service.domain.events import Event
from chat_service.domain.ids import NS_PER_DAY, day_bucket
from chat_service.domain.stream import least_id_after
from chat_service.infra.cassandra import CassandraSession
from chat_service.repos.base import PreparedRepository
from chat_service.repos.cache.events import decode_event, encode_event
from chat_service.repos.conversations import ACTIVITY_CHUNK, message_timestamp_us

DAY_S = 86_400


class ChangeLogRepository(PreparedRepository):
    CQL: ClassVar[dict[str, str]] = {
        "append": "INSERT INTO change_log (stream, bucket, change_id, payload) "
        "VALUES (?, ?, ?, ?) USING TTL ?",
        "read": "SELECT change_id, payload FROM change_log "
        "WHERE stream = ? AND bucket = ? AND change_id >= ? LIMIT ?",
        "touch": "UPDATE conversation_changes_by_user USING TIMESTAMP ? AND TTL ? "
        "SET last_change_id = ? WHERE username = ? AND conversation_id = ?",
        "touched": "SELECT conversation_id, last_change_id FROM conversation_changes_by_user "
        "WHERE username = ?",
    }

    def __init__(self, db: CassandraSession, statements: dict[str, Any]) -> None:
        super().__init__(db, statements)
        self.ttl_s = 8 * DAY_S  # set from the retention by `app.py`: retention plus a day

    def add(self, batch: BatchStatement, streams: Sequence[str], event: Event) -> None:
        """Add `event` (its `change_id` set) to a batch the caller executes, e.g. the logged
        batch of the message it announces."""
        assert event.change_id is not None
        payload = encode_event(replace(event, recipients=()))
        bucket = day_bucket(event.change_id)
        for stream in streams:
            batch.add(self._s["append"], (stream, bucket, event.change_id, payload, self.ttl_s))

    async def append(self, streams: Sequence[str], event: Event) -> None:
        batch = BatchStatement(BatchType.LOGGED if len(streams) > 1 else BatchType.UNLOGGED)
        self.add(batch, streams, event)
        await self._db.execute(batch)

    async def touch(
        self, usernames: Sequence[str], conversation_id: uuid.UUID, change_id: uuid.UUID
    ) -> None:
        """Mark the conversation changed for each user, in unlogged batches of single rows."""
        at = message_timestamp_us(change_id)
        for start in range(0, len(usernames), ACTIVITY_CHUNK):
            batch = BatchStatement(BatchType.UNLOGGED)
            for name in usernames[start : start + ACTIVITY_CHUNK]:
                batch.add(self._s["touch"], (at, self.ttl_s, change_id, name, conversation_id))
            await self._db.execute(batch)

    async def touched(self, username: str) -> dict[uuid.UUID, uuid.UUID]:
        """The last non-message change of each conversation, for this user."""
        rows = await self._db.execute(self._s["touched"], (username,))
        return {row.conversation_id: row.last_change_id for row in rows}

    async def read(
        self, stream: str, after_ticks: int, until_ns: int, limit: int
    ) -> tuple[list[Event], bool]:
        """Up to `limit` events of `stream` with a time above `after_ticks`, oldest first,
        walking day partitions up to the day of `until_ns`; and whether it stopped at the
        limit."""
        start = least_id_after(after_ticks)
        first, last = day_bucket(start), until_ns // NS_PER_DAY
        events: list[Event] = []
        for bucket in range(first, last + 1):
            rows = await self._db.execute(
                self._s["read"], (stream, bucket, start, limit - len(events))
            )
            events.extend(decode_event(row.payload) for row in rows)
            if len(events) >= limit:
                return events, True
        return events, False
