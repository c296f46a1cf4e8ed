"""Messages in Cassandra: every copy of one message is written by one logged batch.

A direct message has three copies (its conversation's history and each participant's
history of direct messages). A logged batch makes the copies all-or-nothing even if this
process dies mid-write; each is keyed by the message id, so a retried batch overwrites
itself. The per-bucket counters cannot join that batch (Cassandra keeps counters apart) and
are written after it.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
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

    async def store_direct(self, message: Message) -> None:
        """Write the three copies of a direct message, then count it."""
        assert message.recipient is not None
        bucket = day_bucket(message.id)
        conversation = message.conversation_id
        people = (message.sender, message.recipient)
        batch = BatchStatement(BatchType.LOGGED)
        batch.add(self.conversations.insert(conversation, message))
        for person in people:
            batch.add(self.users.insert(person, message))
        new_buckets = [
            (store, owner)
            for store, owner in [(self.conversations, conversation)]
            + [(self.users, person) for person in people]
            if (owner, bucket) not in self._known_buckets
        ]
        for store, owner in new_buckets:
            batch.add(store.index(owner, bucket))
        await self._db.execute(batch)
        for _, owner in new_buckets:
            self._remember_bucket(owner, bucket)
        counters = BatchStatement(BatchType.COUNTER)
        counters.add(self.conversations.count(conversation, bucket))
        for person in people:
            counters.add(self.users.count(person, bucket))
        await self._count(counters, message.id)

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
