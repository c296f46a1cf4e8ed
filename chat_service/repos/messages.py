"""Messages in Cassandra: every copy of one message is written by one logged batch.

A group message has one copy (its conversation's history); a direct message has three (its
conversation's history and each participant's history of direct messages). A logged batch
makes the copies all-or-nothing even if this process dies mid-write; each copy is keyed by
the message id, so a retried batch only overwrites itself. The per-bucket counters cannot
join that batch (Cassandra keeps counters apart) and are written after it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import structlog
from cassandra.query import BatchStatement, BatchType

from chat_service.domain.errors import StoreUnavailable
from chat_service.domain.ids import day_bucket
from chat_service.domain.models import Message
from chat_service.infra.cassandra import CassandraSession
from chat_service.repos.timelines import (
    CONVERSATION_TABLES,
    USER_TABLES,
    TimelineStore,
)

log = structlog.get_logger(__name__)

_KNOWN_BUCKETS_MAX = 100_000


class MessageRepository:
    def __init__(
        self,
        db: CassandraSession,
        conversations: TimelineStore,
        users: TimelineStore,
        statements: dict[str, Any],
    ) -> None:
        self._db = db
        self.conversations = conversations
        self.users = users
        self._s = statements
        # Bucket index rows this process has written already; skipping them saves a write.
        self._known_buckets: OrderedDict[tuple[object, int], None] = OrderedDict()

    @classmethod
    async def create(cls, db: CassandraSession) -> MessageRepository:
        cql = {
            "reserve": "INSERT INTO sends_by_client_id "
            "(sender, client_message_id, conversation_id, message_id) VALUES (?, ?, ?, ?) "
            "IF NOT EXISTS USING TTL 604800",
        }
        return cls(
            db,
            await TimelineStore.create(db, CONVERSATION_TABLES),
            await TimelineStore.create(db, USER_TABLES),
            {name: await db.prepare(text) for name, text in cql.items()},
        )

    async def reserve_client_id(
        self, sender: str, client_message_id: str, conversation_id: uuid.UUID, message_id: uuid.UUID
    ) -> tuple[uuid.UUID, uuid.UUID]:
        """Claim the retry key for this message; the (conversation, message) it belongs to,
        which is another one when an earlier attempt claimed it first."""
        rows = await self._db.execute(
            self._s["reserve"], (sender, client_message_id, conversation_id, message_id)
        )
        row = rows[0]
        if row.applied:
            return conversation_id, message_id
        return row.conversation_id, row.message_id

    async def store(
        self, message: Message, user_copies: Sequence[str] = (), extra: Sequence[Any] = ()
    ) -> None:
        """Write the conversation copy, one copy per user in `user_copies` (direct messages),
        and the caller's `extra` statements in one logged batch; then count the message."""
        bucket = day_bucket(message.id)
        conversation = message.conversation_id
        batch = BatchStatement(BatchType.LOGGED)
        batch.add(self.conversations.insert(conversation, message))
        for person in user_copies:
            batch.add(self.users.insert(person, message))
        owners = [(self.conversations, conversation)] + [(self.users, p) for p in user_copies]
        new_buckets = [
            (store, owner) for store, owner in owners if (owner, bucket) not in self._known_buckets
        ]
        for store, owner in new_buckets:
            batch.add(store.index(owner, bucket))
        for statement in extra:
            batch.add(statement)
        await self._db.execute(batch)
        for _, owner in new_buckets:
            self._remember_bucket(owner, bucket)
        counters = BatchStatement(BatchType.COUNTER)
        for store, owner in owners:
            counters.add(store.count(owner, bucket))
        await self._count(counters, message.id)

    async def edit(
        self, message: Message, user_copies: Sequence[str], content: str, edited_at_ns: int
    ) -> bool:
        """Replace the text of every copy unless the message was deleted; False if it was."""
        applied = await self.conversations.edit(
            message.conversation_id, message.id, content, edited_at_ns
        )
        if not applied:
            return False
        await asyncio.gather(
            *(self.users.edit(person, message.id, content, edited_at_ns) for person in user_copies)
        )
        return True

    async def soft_delete(self, message: Message, user_copies: Sequence[str]) -> None:
        """Drop the text (and attachment) from every copy, keeping the row as a tombstone."""
        await asyncio.gather(
            self.conversations.soft_delete(message.conversation_id, message.id),
            *(self.users.soft_delete(person, message.id) for person in user_copies),
        )

    async def _count(self, counters: BatchStatement, message_id: uuid.UUID) -> None:
        """Counters are advisory for paging offsets; a stored message is not failed for them."""
        try:
            await self._db.execute(counters)
        except StoreUnavailable:
            log.warning("messages.count_failed", message_id=str(message_id))

    def _remember_bucket(self, owner: object, bucket: int) -> None:
        self._known_buckets[(owner, bucket)] = None
        if len(self._known_buckets) > _KNOWN_BUCKETS_MAX:
            self._known_buckets.popitem(last=False)
