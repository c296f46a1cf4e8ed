"""Pins in Cassandra: a conversation's pins are one small partition (at most
`validation.PINS_MAX` rows), read whole with every page; a direct conversation's pins are
also copied into each participant's partition, read whole with a page of `GET /messages`."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import ClassVar

from cassandra.query import BatchStatement, BatchType

from chat_service.domain.clock import datetime_to_ns, ns_to_datetime
from chat_service.domain.models import Message, Pin
from chat_service.repos.base import PreparedRepository


class PinRepository(PreparedRepository):
    CQL: ClassVar[dict[str, str]] = {
        "pin": "INSERT INTO pins_by_conversation "
        "(conversation_id, message_id, pinned_by, pinned_at) VALUES (?, ?, ?, ?)",
        "pin_copy": "INSERT INTO pins_by_user "
        "(username, message_id, conversation_id, pinned_at) VALUES (?, ?, ?, ?)",
        "unpin": "DELETE FROM pins_by_conversation WHERE conversation_id = ? AND message_id = ?",
        "unpin_copy": "DELETE FROM pins_by_user WHERE username = ? AND message_id = ?",
        "pins": "SELECT message_id, pinned_by, pinned_at FROM pins_by_conversation "
        "WHERE conversation_id = ?",
        "pinned_ids": "SELECT message_id FROM pins_by_conversation WHERE conversation_id = ?",
        "pinned_copies": "SELECT message_id FROM pins_by_user WHERE username = ?",
    }

    async def pin(self, message: Message, by: str, at_ns: int, copies: Sequence[str]) -> None:
        at = ns_to_datetime(at_ns)
        batch = BatchStatement(BatchType.LOGGED)
        batch.add(self._s["pin"], (message.conversation_id, message.id, by, at))
        for person in copies:
            batch.add(self._s["pin_copy"], (person, message.id, message.conversation_id, at))
        await self._db.execute(batch)

    async def unpin(self, message: Message, copies: Sequence[str]) -> None:
        batch = BatchStatement(BatchType.LOGGED)
        batch.add(self._s["unpin"], (message.conversation_id, message.id))
        for person in copies:
            batch.add(self._s["unpin_copy"], (person, message.id))
        await self._db.execute(batch)

    async def pins(self, conversation_id: uuid.UUID) -> list[Pin]:
        """Most recently pinned first."""
        rows = await self._db.execute(self._s["pins"], (conversation_id,), plain_rows=True)
        found = [Pin(m, by, datetime_to_ns(at)) for m, by, at in rows]
        return sorted(found, key=lambda pin: pin.pinned_at_ns, reverse=True)

    async def pinned_ids(self, owner: uuid.UUID | str) -> frozenset[int]:
        """The pinned message ids (as ints) of a conversation, or of a user's direct
        conversations (owner: a username)."""
        statement = self._s["pinned_copies" if isinstance(owner, str) else "pinned_ids"]
        rows = await self._db.execute(statement, (owner,), plain_rows=True)
        return frozenset(row[0].int for row in rows)
