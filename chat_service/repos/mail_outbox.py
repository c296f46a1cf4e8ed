"""Mail waiting to be sent, in Cassandra so that it survives a Redis loss and a restart.

One partition per queue (all processes of a deployment share one), oldest first. Several
processes drain it at once: each claims a message by moving its `not_before` forward with
a lightweight transaction on the value it read, so one of them sends it. A sender that dies
holding a claim loses it when the lease runs out, and another sends the message (at least
once, then: a crash between sending and deleting sends it again). A claim whose outcome
Cassandra could not tell is settled by a serial read of `not_before`: this sender's lease
end there means the claim was applied.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from chat_service.domain.clock import datetime_to_ns, ns_to_datetime
from chat_service.domain.models import OutgoingMail, QueuedMail
from chat_service.infra.cassandra import CassandraSession, SerialRead
from chat_service.repos.base import PreparedRepository


class MailOutboxRepository(PreparedRepository):
    CQL: ClassVar[dict[str, str]] = {
        "insert": "INSERT INTO mail_outbox (queue, id, recipient, subject, text_body, "
        "html_body, attempts, not_before) VALUES (?, ?, ?, ?, ?, ?, 0, ?) USING TTL ?",
        "oldest": "SELECT id, recipient, subject, text_body, html_body, attempts, not_before "
        "FROM mail_outbox WHERE queue = ? LIMIT ?",
        "claim": "UPDATE mail_outbox SET not_before = ?, attempts = ? "
        "WHERE queue = ? AND id = ? IF not_before = ?",
        "lease": "SELECT not_before FROM mail_outbox WHERE queue = ? AND id = ?",
        "postpone": "UPDATE mail_outbox SET not_before = ? WHERE queue = ? AND id = ?",
        "delete": "DELETE FROM mail_outbox WHERE queue = ? AND id = ?",
    }

    def __init__(self, db: CassandraSession, statements: dict[str, Any], queue: str = "") -> None:
        super().__init__(db, statements)
        self.queue = queue

    def on_queue(self, queue: str) -> MailOutboxRepository:
        """The same statements, on the named queue."""
        return MailOutboxRepository(self._db, self._s, queue)

    async def add(self, message_id: uuid.UUID, mail: OutgoingMail, now_ns: int, ttl_s: int) -> None:
        """Queue `mail`, due at once; it is dropped unsent after `ttl_s` (its token's life)."""
        await self._db.execute(
            self._s["insert"],
            (
                self.queue,
                message_id,
                mail.recipient,
                mail.subject,
                mail.text,
                mail.html,
                ns_to_datetime(now_ns),
                ttl_s,
            ),
        )

    async def oldest(self, limit: int) -> list[QueuedMail]:
        rows = await self._db.execute(self._s["oldest"], (self.queue, limit))
        return [
            QueuedMail(
                row.id,
                OutgoingMail(row.recipient, row.subject, row.text_body, row.html_body)
                if row.recipient is not None
                else None,
                row.attempts or 0,
                datetime_to_ns(row.not_before),
            )
            for row in rows
        ]

    async def claim(self, queued: QueuedMail, until_ns: int) -> bool:
        """Hold `queued` until `until_ns`, counting one more attempt; False when another
        sender moved it first. (Claims carry no TTL: once the message's own cells expire,
        what is left reads as expired and is deleted.)"""
        until_ms, read_ms = until_ns // 1_000_000, queued.not_before_ns // 1_000_000

        def settled(rows: list[Any]) -> bool | None:
            if not rows or rows[0].not_before is None:
                return False  # sent and deleted by another sender
            shown = datetime_to_ns(rows[0].not_before) // 1_000_000
            if shown == read_ms:
                return None  # nobody's claim was applied yet: try again
            # This sender's lease end (give or take the driver's float rounding), or another's.
            return abs(shown - until_ms) <= 1

        return await self._db.conditional(
            self._s["claim"],
            (
                ns_to_datetime(until_ns),
                queued.attempts + 1,
                self.queue,
                queued.id,
                ns_to_datetime(queued.not_before_ns),
            ),
            answer=lambda row: bool(row.applied),
            settle=SerialRead(self._s["lease"], (self.queue, queued.id), settled),
        )

    async def postpone(self, message_id: uuid.UUID, until_ns: int) -> None:
        """The next attempt, after a failed one, by the sender holding the claim."""
        await self._db.execute(
            self._s["postpone"], (ns_to_datetime(until_ns), self.queue, message_id)
        )

    async def delete(self, message_id: uuid.UUID) -> None:
        await self._db.execute(self._s["delete"], (self.queue, message_id))
