"""Reactions in Cassandra: one row per (message, emoji, user), in the day bucket of the
message, so a page of history reads the reactions of all its messages with one range
query per bucket it spans (docs/data-model.md, "Reactions and pins").

A direct conversation's reactions are also copied into each participant's bucket, as its
messages are, so `GET /messages` reads them the same way. Every write of one reaction
(its copies and the reactor's own row) is one logged batch.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import ClassVar

from cassandra.query import BatchStatement, BatchType

from chat_service.domain.clock import datetime_to_ns, ns_to_datetime
from chat_service.domain.ids import day_bucket
from chat_service.domain.models import Message
from chat_service.domain.reactions import MessageReactions, tally
from chat_service.repos.base import PreparedRepository

_RANGE = "AND message_id >= ? AND message_id <= ?"


class ReactionRepository(PreparedRepository):
    CQL: ClassVar[dict[str, str]] = {
        "add": "INSERT INTO reactions_by_conversation "
        "(conversation_id, bucket, message_id, emoji, username, reacted_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        "add_copy": "INSERT INTO reactions_by_user "
        "(username, bucket, message_id, emoji, reactor, reacted_at) VALUES (?, ?, ?, ?, ?, ?)",
        "add_mine": "INSERT INTO reactions_of_user (message_id, username, emoji) VALUES (?, ?, ?)",
        "remove": "DELETE FROM reactions_by_conversation WHERE conversation_id = ? "
        "AND bucket = ? AND message_id = ? AND emoji = ? AND username = ?",
        "remove_copy": "DELETE FROM reactions_by_user WHERE username = ? "
        "AND bucket = ? AND message_id = ? AND emoji = ? AND reactor = ?",
        "remove_mine": "DELETE FROM reactions_of_user "
        "WHERE message_id = ? AND username = ? AND emoji = ?",
        "mine": "SELECT emoji FROM reactions_of_user WHERE message_id = ? AND username = ?",
        "clear": "DELETE FROM reactions_by_conversation "
        "WHERE conversation_id = ? AND bucket = ? AND message_id = ?",
        "clear_copy": "DELETE FROM reactions_by_user "
        "WHERE username = ? AND bucket = ? AND message_id = ?",
        "range": "SELECT message_id, emoji, username, reacted_at FROM reactions_by_conversation "
        f"WHERE conversation_id = ? AND bucket = ? {_RANGE}",
        "range_copy": "SELECT message_id, emoji, reactor, reacted_at FROM reactions_by_user "
        f"WHERE username = ? AND bucket = ? {_RANGE}",
        "reactors": "SELECT username FROM reactions_by_conversation WHERE conversation_id = ? "
        "AND bucket = ? AND message_id = ? AND emoji = ? AND username > ? LIMIT ?",
    }

    async def add(
        self, message: Message, emoji: str, username: str, at_ns: int, copies: Sequence[str]
    ) -> None:
        """The reaction, its copies for `copies` (a direct message's participants) and the
        reactor's own row, all or nothing."""
        bucket, at = day_bucket(message.id), ns_to_datetime(at_ns)
        batch = BatchStatement(BatchType.LOGGED)
        s = self._s
        batch.add(s["add"], (message.conversation_id, bucket, message.id, emoji, username, at))
        for person in copies:
            batch.add(s["add_copy"], (person, bucket, message.id, emoji, username, at))
        batch.add(s["add_mine"], (message.id, username, emoji))
        await self._db.execute(batch)

    async def remove(
        self, message: Message, emoji: str, username: str, copies: Sequence[str]
    ) -> None:
        bucket = day_bucket(message.id)
        batch = BatchStatement(BatchType.LOGGED)
        s = self._s
        batch.add(s["remove"], (message.conversation_id, bucket, message.id, emoji, username))
        for person in copies:
            batch.add(s["remove_copy"], (person, bucket, message.id, emoji, username))
        batch.add(s["remove_mine"], (message.id, username, emoji))
        await self._db.execute(batch)

    async def clear(self, message: Message, copies: Sequence[str]) -> None:
        """Every reaction of a deleted message (its reactors' own rows are left: nobody
        reacts to a deleted message, so they are never read again)."""
        bucket = day_bucket(message.id)
        batch = BatchStatement(BatchType.UNLOGGED)
        batch.add(self._s["clear"], (message.conversation_id, bucket, message.id))
        for person in copies:
            batch.add(self._s["clear_copy"], (person, bucket, message.id))
        await self._db.execute(batch)

    async def emoji_of(self, message_id: uuid.UUID, username: str) -> set[str]:
        """The emoji `username` put on the message."""
        rows = await self._db.execute(self._s["mine"], (message_id, username), plain_rows=True)
        return {row[0] for row in rows}

    async def in_range(
        self, owner: uuid.UUID | str, bucket: int, oldest: uuid.UUID, newest: uuid.UUID
    ) -> dict[int, MessageReactions]:
        """The reactions of every message of one bucket from `oldest` to `newest`: one query
        on a conversation's rows (owner: its id) or a user's copies (owner: a username)."""
        statement = self._s["range_copy" if isinstance(owner, str) else "range"]
        rows = await self._db.execute(statement, (owner, bucket, oldest, newest), plain_rows=True)
        return tally((m, e, u, datetime_to_ns(at)) for m, e, u, at in rows)

    async def of_message(self, message: Message) -> MessageReactions:
        found = await self.in_range(
            message.conversation_id, day_bucket(message.id), message.id, message.id
        )
        return found.get(message.id.int, ())

    async def reactors(
        self, message: Message, emoji: str, after: str, limit: int
    ) -> tuple[list[str], bool]:
        """Up to `limit` usernames after `after` (in name order) who reacted with `emoji`,
        and whether there are more."""
        rows = await self._db.execute(
            self._s["reactors"],
            (message.conversation_id, day_bucket(message.id), message.id, emoji, after, limit + 1),
            plain_rows=True,
        )
        names = [row[0] for row in rows]
        return names[:limit], len(names) > limit
