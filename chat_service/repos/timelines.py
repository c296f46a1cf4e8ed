"""A message history in Cassandra: a table partitioned by (owner, day bucket), newest first,
with an index of non-empty buckets whose rows keep each bucket's tally (`bucket_tallies`).

Two histories share this shape: per conversation and per user (direct messages). Reads walk
only the buckets the index lists, reading as many at once as the tallies say are needed.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from chat_service.domain.clock import datetime_to_ns, ns_to_datetime
from chat_service.domain.ids import day_bucket
from chat_service.domain.models import Attachment, Message, MessageKind, Quote, Unread
from chat_service.infra.cassandra import (
    CassandraSession,
    SerialRead,
    unset_nulls,
)
from chat_service.repos.bucket_tallies import BucketTallies, BucketTally

MESSAGE_COLUMNS = (
    "message_id, conversation_id, kind, sender, recipient, content, attachment_type, "
    "attachment_url, edited_at, deleted, reply_to, mentions"
)
# A conversation's rows are read without their partition key: the caller knows it, and each
# UUID the driver decodes costs as much as the rest of a column.
_CONVERSATION_READ_COLUMNS = MESSAGE_COLUMNS.replace(" conversation_id,", "")
_INDEX_PAGE = 256
_NO_BUCKET = 2**31 - 1
_MIN_ID = uuid.UUID("00000000-0000-1000-8080-808080808080")  # older than any TIMEUUID
_KINDS = {kind.value: kind for kind in MessageKind}  # a dict lookup; calling the enum is slow


@dataclass(frozen=True)
class TimelineTables:
    messages: str
    owner: str
    index: str


CONVERSATION_TABLES = TimelineTables(
    "messages_by_conversation", "conversation_id", "conversation_bucket_index"
)
USER_TABLES = TimelineTables("messages_by_user", "username", "user_bucket_index")


class TimelineStore:
    def __init__(
        self,
        db: CassandraSession,
        statements: dict[str, Any],
        keyed_by_user: bool,
        tallies: BucketTallies,
    ) -> None:
        self._db = db
        self._s = statements
        self._keyed_by_user = keyed_by_user
        self._tallies = tallies

    @classmethod
    async def create(cls, db: CassandraSession, t: TimelineTables) -> TimelineStore:
        owner = t.owner
        columns = MESSAGE_COLUMNS if owner == "conversation_id" else f"{owner}, {MESSAGE_COLUMNS}"
        marks = ", ".join("?" * len(columns.split(",")))
        keyed_by_user = owner != "conversation_id"
        read = MESSAGE_COLUMNS if keyed_by_user else _CONVERSATION_READ_COLUMNS
        select = f"SELECT {read} FROM {t.messages} WHERE {owner} = ? AND bucket = ?"
        cql = {
            "insert": f"INSERT INTO {t.messages} (bucket, {columns}) VALUES (?, {marks})",
            "index": f"INSERT INTO {t.index} ({owner}, bucket) VALUES (?, ?)",
            "buckets": f"SELECT bucket, messages FROM {t.index} "
            f"WHERE {owner} = ? AND bucket <= ? LIMIT ?",
            "newest": f"{select} LIMIT ?",
            "newest_before": f"{select} AND message_id < ? LIMIT ?",
            "get": f"{select} AND message_id = ?",
            "get_many": f"{select} AND message_id IN ?",
            "buckets_up": f"SELECT bucket FROM {t.index} WHERE {owner} = ? AND bucket >= ? "
            "ORDER BY bucket ASC LIMIT ?",
            "oldest_after": f"{select} AND message_id > ? ORDER BY message_id ASC LIMIT ?",
            "senders_after": f"SELECT sender, kind, mentions FROM {t.messages} "
            f"WHERE {owner} = ? AND bucket = ? AND message_id > ? LIMIT ?",
            "edit": f"UPDATE {t.messages} SET content = ?, edited_at = ?, mentions = ? "
            f"WHERE {owner} = ? AND bucket = ? AND message_id = ? IF deleted = false",
            "edited": f"SELECT deleted, edited_at FROM {t.messages} "
            f"WHERE {owner} = ? AND bucket = ? AND message_id = ?",
            "quoted": f"SELECT message_id, sender, content, deleted FROM {t.messages} "
            f"WHERE {owner} = ? AND bucket IN ? AND message_id IN ?",
            "soft_delete": f"UPDATE {t.messages} SET content = null, attachment_type = null, "
            f"attachment_url = null, mentions = null, deleted = true "
            f"WHERE {owner} = ? AND bucket = ? AND message_id = ? IF EXISTS",
        }
        statements = {name: await db.prepare(text) for name, text in cql.items()}
        tallies = await BucketTallies.create(db, t.messages, owner, t.index)
        return cls(db, statements, keyed_by_user=keyed_by_user, tallies=tallies)

    # Writes: bound statements for the caller's batches.

    def insert(self, owner: object, message: Message) -> Any:
        values = _message_values(message)
        if self._keyed_by_user:
            values = (owner, *values)
        return self._s["insert"].bind((day_bucket(message.id), *values))

    def index(self, owner: object, bucket: int) -> Any:
        return self._s["index"].bind((owner, bucket))

    def forget_tally(self, owner: object, bucket: int) -> Any:
        """For the batch of a message stored late (`bucket_tallies.is_late`)."""
        return self._tallies.forget(owner, bucket)

    async def edit(
        self,
        owner: object,
        message_id: uuid.UUID,
        content: str,
        edited_at_ns: int,
        mentions: Sequence[str] = (),
    ) -> bool:
        """Set new text (and the mentions it makes) unless the copy is deleted (a lightweight
        transaction, so an edit can never land after a delete and bring text back). When
        its outcome is unknown (replicas contending), a serial read settles it: applied if
        the copy shows this edit's time and is not deleted."""
        edited_at = ns_to_datetime(edited_at_ns)
        key = (owner, day_bucket(message_id), message_id)
        values = (content, edited_at, list(mentions) or None, *key)
        edited_ms = edited_at_ns // 1_000_000

        def settled(rows: list[Any]) -> bool | None:
            if not rows or rows[0].deleted:
                return False
            shown = rows[0].edited_at
            if shown and datetime_to_ns(shown) // 1_000_000 == edited_ms:
                return True
            return None  # not applied yet: try again

        return await self._db.conditional(
            self._s["edit"],
            values,
            answer=lambda row: bool(row.applied),
            settle=SerialRead(self._s["edited"], key, settled),
        )

    async def soft_delete(self, owner: object, message_id: uuid.UUID) -> None:
        """Blank the copy, as a lightweight transaction too: an edit's cells carry its Paxos
        ballot's timestamp, which a plain write's client timestamp may precede, so a plain
        delete racing an edit could lose to it and leave the text in a deleted row. Both
        through Paxos, the later one is also the newer."""
        key = (owner, day_bucket(message_id), message_id)

        def settled(rows: list[Any]) -> bool | None:
            return True if not rows or rows[0].deleted else None  # gone, or blanked: done

        await self._db.conditional(
            self._s["soft_delete"],
            key,
            answer=lambda row: True,  # not applied: no such copy, nothing to blank
            settle=SerialRead(self._s["edited"], key, settled),
        )

    # Reads.

    async def get(self, owner: object, message_id: uuid.UUID) -> Message | None:
        rows = await self._db.execute(
            self._s["get"], (owner, day_bucket(message_id), message_id), plain_rows=True
        )
        return self._message(owner, rows[0]) if rows else None

    async def quoted(self, owner: object, message_ids: Collection[uuid.UUID]) -> list[Quote]:
        """The quotes of `message_ids` that this history holds, in one read (the partitions
        of their buckets, with an IN on both)."""
        buckets = sorted({day_bucket(message_id) for message_id in message_ids})
        rows = await self._db.execute(
            self._s["quoted"], (owner, buckets, list(message_ids)), plain_rows=True
        )
        return [Quote.make(row[0], row[1], row[2], bool(row[3])) for row in rows]

    async def get_many(self, owner: object, message_ids: list[uuid.UUID]) -> list[Message]:
        """The messages of `message_ids` that exist: one read per day bucket they fall in."""
        by_bucket: dict[int, list[uuid.UUID]] = {}
        for message_id in message_ids:
            by_bucket.setdefault(day_bucket(message_id), []).append(message_id)
        pages = await asyncio.gather(
            *(
                self._db.execute(self._s["get_many"], (owner, bucket, ids), plain_rows=True)
                for bucket, ids in by_bucket.items()
            )
        )
        return [self._message(owner, row) for rows in pages for row in rows]

    async def tallies(self, owner: object) -> list[BucketTally]:
        """Each non-empty bucket's messages, newest first, exact as of the read."""
        return await self._tallies.read(owner)

    async def id_at(self, owner: object, tally: BucketTally, position: int) -> uuid.UUID | None:
        """The id at `position` (0: the oldest) of the bucket of `tally`, in a bounded read."""
        return await self._tallies.id_at(owner, tally, position)

    async def newest(
        self,
        owner: object,
        limit: int,
        before: uuid.UUID | None = None,
        top_bucket: int | None = None,
    ) -> tuple[list[Message], bool]:
        """Up to `limit` messages older than `before` (or from `top_bucket` down), newest first,
        and whether more exist.

        A page usually lies within the bucket it starts in (the cursor's own, or the one
        named), so that bucket is read first, alone; the index (whose rows carry the
        tallies) is read only when the page needs older buckets."""
        wanted = limit + 1
        found: list[Message] = []
        start = day_bucket(before) if before is not None else top_bucket
        if start is not None:
            found = await self._read(owner, start, before, wanted)
            if len(found) >= wanted:
                return found[:limit], True
        top = _NO_BUCKET if start is None else start - 1
        buckets, hints, more_buckets = await self._buckets(owner, top)
        while buckets and len(found) < wanted:
            wave = _take_wave(buckets, hints, wanted - len(found))
            pages = await asyncio.gather(
                *(self._read(owner, bucket, before, wanted - len(found)) for bucket in wave)
            )
            for page in pages:
                found.extend(page)
            if not buckets and more_buckets and len(found) < wanted:
                buckets, hints, more_buckets = await self._buckets(owner, wave[-1] - 1)
        return found[:limit], len(found) > limit

    async def oldest_after(
        self, owner: object, after: uuid.UUID, limit: int
    ) -> tuple[list[Message], bool]:
        """Up to `limit` messages newer than `after`, oldest first, and whether more exist."""
        wanted = limit + 1
        found: list[Message] = []
        bucket = day_bucket(after)
        while len(found) < wanted:
            rows = await self._db.execute(self._s["buckets_up"], (owner, bucket, _INDEX_PAGE))
            buckets = [row.bucket for row in rows]
            for bucket in buckets:
                rows = await self._db.execute(
                    self._s["oldest_after"],
                    (owner, bucket, after, wanted - len(found)),
                    plain_rows=True,
                )
                found.extend(self._message(owner, row) for row in rows)
                if len(found) >= wanted:
                    break
            if len(buckets) < _INDEX_PAGE:
                break
            bucket = buckets[-1] + 1
        return found[:limit], len(found) > limit

    async def count_unread(
        self, owner: object, after: uuid.UUID | None, reader: str, cap: int
    ) -> Unread:
        """Messages newer than `after` that `reader` did not send, counting at most `cap`,
        and how many of those mention `reader`."""
        floor = day_bucket(after) if after is not None else 0
        buckets, _, _ = await self._buckets(owner, _NO_BUCKET)
        unread = mentions = 0
        for bucket in (b for b in buckets if b >= floor):
            bound = after if after is not None and bucket == floor else _MIN_ID
            rows = await self._db.execute(self._s["senders_after"], (owner, bucket, bound, cap))
            for row in rows:
                if row.kind == "message" and row.sender != reader:
                    unread += 1
                    if row.mentions and reader in row.mentions:
                        mentions += 1
            if unread >= cap:
                return Unread(cap, min(mentions, cap))
        return Unread(unread, mentions)

    async def _buckets(self, owner: object, top: int) -> tuple[list[int], dict[int, int], bool]:
        """Non-empty buckets at or below `top`, newest first, the messages their kept tallies
        count (at least that many), and whether the index has more."""
        rows = await self._db.execute(
            self._s["buckets"], (owner, top, _INDEX_PAGE), plain_rows=True
        )
        hints = {bucket: messages for bucket, messages in rows if messages}
        return [row[0] for row in rows], hints, len(rows) == _INDEX_PAGE

    async def _read(
        self, owner: object, bucket: int, before: uuid.UUID | None, limit: int
    ) -> list[Message]:
        params: tuple[object, ...]
        if before is not None and day_bucket(before) == bucket:
            statement, params = self._s["newest_before"], (owner, bucket, before, limit)
        else:
            statement, params = self._s["newest"], (owner, bucket, limit)
        rows = await self._db.execute(statement, params, plain_rows=True)
        return [self._message(owner, row) for row in rows]

    def _message(self, owner: Any, row: tuple[Any, ...]) -> Message:
        if self._keyed_by_user:
            return message_from_row(row)
        return message_from_row(row, owner)


def _take_wave(buckets: list[int], hints: dict[int, int], needed: int) -> list[int]:
    """Pop from `buckets` (newest first) as many as the tallies say hold `needed` messages."""
    wave: list[int] = []
    covered = 0
    while buckets and (not wave or covered < needed):
        bucket = buckets.pop(0)
        wave.append(bucket)
        covered += max(hints.get(bucket, 1), 1)
    return wave


def _message_values(message: Message) -> tuple[Any, ...]:
    attachment = message.attachment
    values = (
        message.id,
        message.conversation_id,
        message.kind.value,
        message.sender,
        message.recipient,
        message.content,
        attachment.type if attachment else None,
        attachment.url if attachment else None,
        None,
        message.deleted,
        message.reply_to_id,
        list(message.mentions) or None,
    )
    return unset_nulls(values)


def message_from_row(row: tuple[Any, ...], conversation_id: Any = None) -> Message:
    """A message from a plain row of MESSAGE_COLUMNS, or of a conversation's read columns
    (without conversation_id, which the caller passes) when `conversation_id` is given."""
    if conversation_id is None:
        (message_id, conversation_id, kind, sender, recipient, content,
         attachment_type, attachment_url, edited_at, deleted, reply_to, mentions) = row  # fmt: skip
    else:
        (message_id, kind, sender, recipient, content,
         attachment_type, attachment_url, edited_at, deleted, reply_to, mentions) = row  # fmt: skip
    return Message(
        id=message_id,
        conversation_id=conversation_id,
        sender=sender,
        recipient=recipient,
        content=content,
        kind=_KINDS[kind],
        attachment=Attachment(attachment_type, attachment_url) if attachment_type else None,
        edited_at_ns=datetime_to_ns(edited_at) if edited_at else None,
        deleted=bool(deleted),
        reply_to_id=reply_to,
        mentions=tuple(mentions) if mentions else (),
    )
