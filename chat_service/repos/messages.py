"""Messages in Cassandra: every copy of one message is written by one logged batch.

A group message has one copy (its conversation's history); a direct message has three (its
conversation's history and each participant's history of direct messages). The caller
states what else the message changes (whose activity and read marker move to it, which
direct conversation it (re)creates); those rows join the same batch. A logged batch makes
it all-or-nothing even if this process dies mid-write; each row is keyed by the message id
or written with the message's own timestamp, so a retried batch only overwrites itself.
Nothing else is written per message: each bucket's messages are counted on read
(`bucket_tallies`), and a message stored late only resets its bucket's tally, in the batch.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence
from typing import Any

from cassandra.query import BatchStatement, BatchType

from chat_service.domain.clock import to_millis
from chat_service.domain.events import Event, streams_of
from chat_service.domain.ids import day_bucket, epoch_ns
from chat_service.domain.models import Message, Version
from chat_service.infra.caches import NamedCache
from chat_service.infra.cassandra import (
    CassandraSession,
    SerialRead,
)
from chat_service.repos.bucket_tallies import is_late
from chat_service.repos.changes import ChangeLogRepository
from chat_service.repos.conversations import ConversationRepository
from chat_service.repos.mentions import MentionRepository
from chat_service.repos.quotes import with_quotes
from chat_service.repos.timelines import (
    CONVERSATION_TABLES,
    USER_TABLES,
    TimelineStore,
)
from chat_service.repos.versions import VersionRepository


class MessageRepository:
    def __init__(
        self,
        db: CassandraSession,
        conversations: TimelineStore,
        users: TimelineStore,
        statements: dict[str, Any],
        rows: ConversationRepository,
        known_buckets: NamedCache[tuple[object, int], bool],
        known_direct: NamedCache[int, bool],
        versions: VersionRepository,
        mentions: MentionRepository,
        changes: ChangeLogRepository | None = None,
    ) -> None:
        self._db = db
        self.versions = versions  # earlier texts: kept by `edit`, erased by `soft_delete`
        self.mentions = mentions  # who is mentioned where: follows `store`, `edit`, deletes
        self._changes = changes  # None: messages are not logged for /sync (bench seeding)
        self.conversations = conversations
        self.users = users
        self._s = statements
        self._rows = rows
        # Rows this process has written already (idempotent ones, so skipping them is safe):
        # a busy bucket costs one index write, a direct conversation one set of rows.
        self._known_buckets = known_buckets
        self._known_direct = known_direct  # by conversation id as an int (UUID hashes slowly)

    @classmethod
    async def create(
        cls,
        db: CassandraSession,
        rows: ConversationRepository,
        known_buckets: NamedCache[tuple[object, int], bool],
        known_direct: NamedCache[int, bool],
        changes: ChangeLogRepository | None = None,
    ) -> MessageRepository:
        cql = {
            "reserve": "INSERT INTO sends_by_client_id "
            "(sender, client_message_id, conversation_id, message_id) VALUES (?, ?, ?, ?) "
            "IF NOT EXISTS USING TTL 604800",
            "claim": "SELECT conversation_id, message_id FROM sends_by_client_id "
            "WHERE sender = ? AND client_message_id = ?",
        }
        return cls(
            db,
            await TimelineStore.create(db, CONVERSATION_TABLES),
            await TimelineStore.create(db, USER_TABLES),
            {name: await db.prepare(text) for name, text in cql.items()},
            rows,
            known_buckets,
            known_direct,
            await VersionRepository.create(db),
            await MentionRepository.create(db),
            changes,
        )

    async def reserve_client_id(
        self, sender: str, client_message_id: str, conversation_id: uuid.UUID, message_id: uuid.UUID
    ) -> tuple[uuid.UUID, uuid.UUID]:
        """Claim the retry key for this message; the (conversation, message) it belongs to,
        which is another one when an earlier attempt claimed it first."""
        mine = (conversation_id, message_id)
        return await self._db.conditional(
            self._s["reserve"],
            (sender, client_message_id, *mine),
            answer=lambda row: mine if row.applied else (row.conversation_id, row.message_id),
            settle=SerialRead(  # contention between replicas: who won? Nobody yet: again
                self._s["claim"],
                (sender, client_message_id),
                lambda rows: (rows[0].conversation_id, rows[0].message_id) if rows else None,
            ),
        )

    async def client_id_claim(
        self, sender: str, client_message_id: str
    ) -> tuple[uuid.UUID, uuid.UUID] | None:
        """The (conversation, message) the retry key was claimed for, if it was."""
        rows = await self._db.execute(self._s["claim"], (sender, client_message_id))
        return (rows[0].conversation_id, rows[0].message_id) if rows else None

    async def store(
        self,
        message: Message,
        copies: Sequence[str] = (),
        *,
        activity_for: Sequence[str] = (),
        read_marker_for: str | None = None,
        direct_between: tuple[str, str] | None = None,
        change: Event | None = None,
    ) -> None:
        """Store `message` as one logged batch: the conversation's copy, one copy per user in
        `copies` (direct messages), the bucket index rows not known yet, the list rows of
        `activity_for` moved to it, the read marker of `read_marker_for` moved to it, and
        the direct conversation between `direct_between` unless already written, and the
        `change` announcing it in its change logs. A message stored late (a retry under
        an id reserved earlier) also resets its buckets' tallies."""
        bucket = day_bucket(message.id)
        conversation = message.conversation_id
        batch = BatchStatement(BatchType.LOGGED)
        batch.add(self.conversations.insert(conversation, message))
        for person in copies:
            batch.add(self.users.insert(person, message))
        owners = [(self.conversations, conversation)] + [(self.users, p) for p in copies]
        new_buckets = [
            (store, owner) for store, owner in owners if (owner, bucket) not in self._known_buckets
        ]
        for store, owner in new_buckets:
            batch.add(store.index(owner, bucket))
        if is_late(message.id, time.time_ns()):
            for store, owner in owners:
                batch.add(store.forget_tally(owner, bucket))
        rows = self._rows
        for person in activity_for:
            if person == read_marker_for:
                rows.add_sent(batch, person, conversation, message.id)
            else:
                rows.add_activity(batch, person, conversation, message.id)
        if read_marker_for is not None and read_marker_for not in activity_for:
            rows.add_read_marker(batch, read_marker_for, conversation, message.id)
        if direct_between is not None and conversation.int in self._known_direct:
            direct_between = None
        if direct_between is not None:
            rows.add_direct_conversation(batch, conversation, direct_between, message.id)
        self.mentions.add_to(batch, conversation, message.id, _notified(message, message.mentions))
        if change is not None and self._changes is not None:
            self._changes.add(batch, streams_of(change), change)
        await self._db.execute(batch)
        for _, owner in new_buckets:
            self._known_buckets[(owner, bucket)] = True
        if direct_between is not None:
            self._known_direct[conversation.int] = True

    async def get(self, conversation_id: uuid.UUID, message_id: uuid.UUID) -> Message | None:
        """The message (a reply with its quote, as a retried send answers it), or None."""
        found = await self.conversations.get(conversation_id, message_id)
        if found is None or found.reply_to_id is None:
            return found
        [quoting] = await with_quotes(self.conversations, conversation_id, [found])
        return quoting

    async def edit(
        self,
        message: Message,
        user_copies: Sequence[str],
        content: str,
        edited_at_ns: int,
        mentions: Sequence[str] = (),
    ) -> bool:
        """Replace the text (and mentions) of every copy unless the message was deleted;
        False if it was. `message` is the message as read before: its text is kept as a
        version first, and taken back if the message turns out deleted."""
        conversation = message.conversation_id
        earlier = None
        if message.content is not None:
            sent_at = to_millis(epoch_ns(message.id))  # as a `timestamp` column keeps it
            earlier = Version(message.content, message.edited_at_ns or sent_at)
            await self.versions.keep(conversation, message.id, earlier)
        applied = await self.conversations.edit(
            conversation, message.id, content, edited_at_ns, mentions
        )
        if not applied:
            if earlier is not None:
                await self.versions.forget(conversation, message.id, earlier)
            return False
        await asyncio.gather(
            *(
                self.users.edit(person, message.id, content, edited_at_ns, mentions)
                for person in user_copies
            )
        )
        before, after = set(message.mentions), set(mentions)
        await asyncio.gather(
            self.mentions.add(
                conversation,
                message.id,
                _notified(message, [n for n in mentions if n not in before]),
            ),
            self.mentions.remove(message.id, [n for n in message.mentions if n not in after]),
        )
        return True

    async def soft_delete(self, message: Message, user_copies: Sequence[str]) -> None:
        """Drop the text (and attachment) from every copy, keeping the row as a tombstone,
        then its earlier versions and the mentions it made.

        Versions go after the copies: an edit keeps the text it replaces before its own
        conditional write, so an edit applied before this delete kept its version before
        the copies were blanked, hence before the erase; one after it is refused and takes
        its version back. Erased at once, a racing edit's version could outlive the erase."""
        await asyncio.gather(
            self.conversations.soft_delete(message.conversation_id, message.id),
            *(self.users.soft_delete(person, message.id) for person in user_copies),
        )
        await asyncio.gather(
            self.versions.erase(message.conversation_id, message.id),
            self.mentions.remove(message.id, message.mentions),
        )


def _notified(message: Message, mentions: Sequence[str]) -> list[str]:
    """Who hears of a mention: everyone mentioned but the sender."""
    return [name for name in mentions if name != message.sender]
