"""Conversations, their members, and each user's list of conversations.

Write timestamps carry meaning here (Cassandra keeps, per cell, the write with the highest
timestamp):

- Activity and read markers are written with the referenced message's time as the write
  timestamp, so the newest message wins whatever order writes arrive in, and a read marker
  never moves backwards.
- A direct conversation's descriptive cells are written with an inverted timestamp
  (`FIRST_WINS_BASE - time`), so the earliest write wins: every send may (re)write them
  without a read or a lightweight transaction, and `created_at`/`created_by` stay those of
  the first message.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, ClassVar

from cassandra.query import BatchStatement, BatchType

from chat_service.domain.clock import datetime_to_ns, ns_to_datetime
from chat_service.domain.ids import epoch_ns
from chat_service.domain.models import (
    Conversation,
    ConversationType,
    Member,
    Role,
    UserConversation,
)
from chat_service.infra.cassandra import SerialRead, unset_nulls
from chat_service.repos.base import PreparedRepository

FIRST_WINS_BASE = 2**62
ACTIVITY_CHUNK = 50  # single-row updates per unlogged batch of a group message's fan-out
_MEMBER_COLUMNS = "conversation_id, username, role, joined_at, last_read_message_id"


def message_timestamp_us(message_id: uuid.UUID) -> int:
    return epoch_ns(message_id) // 1000


class ConversationRepository(PreparedRepository):
    CQL: ClassVar[dict[str, str]] = {
        "insert": "INSERT INTO conversations "
        "(conversation_id, type, name, created_by, is_private, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?) USING TIMESTAMP ?",
        "get": "SELECT conversation_id, type, name, created_by, is_private, created_at "
        "FROM conversations WHERE conversation_id = ?",
        "insert_member": f"INSERT INTO conversation_members ({_MEMBER_COLUMNS}) "
        "VALUES (?, ?, ?, ?, ?) USING TIMESTAMP ?",
        "insert_direct_member": "INSERT INTO conversation_members "
        "(conversation_id, username, role, joined_at) VALUES (?, ?, ?, ?) USING TIMESTAMP ?",
        "member": f"SELECT {_MEMBER_COLUMNS} FROM conversation_members "
        "WHERE conversation_id = ? AND username = ?",
        "members": f"SELECT {_MEMBER_COLUMNS} FROM conversation_members WHERE conversation_id = ?",
        "set_role": "UPDATE conversation_members SET role = ? "
        "WHERE conversation_id = ? AND username = ? IF EXISTS",
        "delete_member": "DELETE FROM conversation_members "
        "WHERE conversation_id = ? AND username = ?",
        "insert_user_row": "INSERT INTO conversations_by_user "
        "(username, conversation_id, type, name, peer, joined_at) "
        "VALUES (?, ?, ?, ?, ?, ?) USING TIMESTAMP ?",
        "delete_user_row": "DELETE FROM conversations_by_user "
        "WHERE username = ? AND conversation_id = ?",
        "user_rows": "SELECT conversation_id, type, name, peer, joined_at, last_activity_id, "
        "last_read_message_id FROM conversations_by_user WHERE username = ?",
        "activity": "UPDATE conversations_by_user USING TIMESTAMP ? "
        "SET last_activity_id = ? WHERE username = ? AND conversation_id = ?",
        "read_user": "UPDATE conversations_by_user USING TIMESTAMP ? "
        "SET last_read_message_id = ? WHERE username = ? AND conversation_id = ?",
        "sent": "UPDATE conversations_by_user USING TIMESTAMP ? "
        "SET last_activity_id = ?, last_read_message_id = ? "
        "WHERE username = ? AND conversation_id = ?",
        "read_member": "UPDATE conversation_members USING TIMESTAMP ? "
        "SET last_read_message_id = ? WHERE conversation_id = ? AND username = ?",
    }

    # Conversations and members.

    async def get(self, conversation_id: uuid.UUID) -> Conversation | None:
        rows = await self._db.execute(self._s["get"], (conversation_id,))
        if not rows or rows[0].type is None:
            return None
        row = rows[0]
        return Conversation(
            id=row.conversation_id,
            type=ConversationType(row.type),
            name=row.name,
            created_by=row.created_by,
            is_private=bool(row.is_private),
            created_at_ns=datetime_to_ns(row.created_at),
        )

    async def member(self, conversation_id: uuid.UUID, username: str) -> Member | None:
        rows = await self._db.execute(self._s["member"], (conversation_id, username))
        return _member(rows[0]) if rows and rows[0].role else None

    async def members(self, conversation_id: uuid.UUID) -> list[Member]:
        rows = await self._db.execute(self._s["members"], (conversation_id,))
        return [_member(row) for row in rows if row.role]

    async def create_group(self, conversation: Conversation, members: list[Member]) -> None:
        """The conversation row, then every member's rows (idempotent upserts)."""
        now_us = conversation.created_at_ns // 1000
        await self._db.execute(
            self._s["insert"],
            unset_nulls(
                (
                    conversation.id,
                    conversation.type.value,
                    conversation.name,
                    conversation.created_by,
                    conversation.is_private,
                    ns_to_datetime(conversation.created_at_ns),
                    now_us,
                )
            ),
        )
        for member in members:
            await self.add_member(conversation, member)

    async def add_member(self, conversation: Conversation, member: Member) -> None:
        """The member row and the member's list row, in one logged batch."""
        joined = ns_to_datetime(member.joined_at_ns)
        now_us = member.joined_at_ns // 1000
        batch = BatchStatement(BatchType.LOGGED)
        batch.add(
            self._s["insert_member"],
            unset_nulls((conversation.id, member.username, member.role.value, joined,
                         member.last_read_id, now_us)),
        )  # fmt: skip
        batch.add(
            self._s["insert_user_row"],
            unset_nulls((member.username, conversation.id, conversation.type.value,
                         conversation.name, None, joined, now_us)),
        )  # fmt: skip
        if member.last_read_id is not None:
            batch.add(
                self._s["read_user"],
                (now_us, member.last_read_id, member.username, conversation.id),
            )
        await self._db.execute(batch)

    async def set_role(self, conversation_id: uuid.UUID, username: str, role: Role) -> bool:
        """Give a member `role`; False when they are not a member (any more). An update
        whose outcome is unknown is settled by a serial read of the member's row."""

        def settled(rows: list[Any]) -> bool | None:
            if not rows or not rows[0].role:
                return False  # not a member
            return True if rows[0].role == role.value else None  # another role: not yet

        return await self._db.conditional(
            self._s["set_role"],
            (role.value, conversation_id, username),
            answer=lambda row: bool(row.applied),
            settle=SerialRead(self._s["member"], (conversation_id, username), settled),
        )

    async def remove_member(self, conversation_id: uuid.UUID, username: str) -> None:
        batch = BatchStatement(BatchType.LOGGED)
        batch.add(self._s["delete_member"], (conversation_id, username))
        batch.add(self._s["delete_user_row"], (username, conversation_id))
        await self._db.execute(batch)

    # Activity and read state.

    async def mark_read(
        self, username: str, conversation_id: uuid.UUID, message_id: uuid.UUID
    ) -> None:
        """Move the user's read marker (list row and member row) up to `message_id`; never
        back, the write timestamp being the message's time."""
        batch = BatchStatement(BatchType.UNLOGGED)  # two partitions, one round trip
        self.add_read_marker(batch, username, conversation_id, message_id)
        await self._db.execute(batch)

    async def record_activity(
        self, conversation_id: uuid.UUID, usernames: Sequence[str], message_id: uuid.UUID
    ) -> None:
        """Move each user's list row to `message_id` (a group message's fan-out), in
        unlogged batches of `ACTIVITY_CHUNK` single-row updates, one after another."""
        for start in range(0, len(usernames), ACTIVITY_CHUNK):
            batch = BatchStatement(BatchType.UNLOGGED)
            for name in usernames[start : start + ACTIVITY_CHUNK]:
                self.add_activity(batch, name, conversation_id, message_id)
            await self._db.execute(batch)

    # Rows a message's own logged batch carries (`MessageRepository.store` builds it).

    def add_direct_conversation(
        self,
        batch: BatchStatement,
        conversation_id: uuid.UUID,
        people: tuple[str, str],
        first_message: uuid.UUID,
    ) -> None:
        """The rows that (re)create a direct conversation, the first writer winning."""
        created_ns = epoch_ns(first_message)
        created = ns_to_datetime(created_ns)
        first_wins = FIRST_WINS_BASE - created_ns // 1000
        sender, recipient = people
        batch.add(
            self._s["insert"],
            unset_nulls((conversation_id, ConversationType.DIRECT.value, None, sender, True,
                         created, first_wins)),
        )  # fmt: skip
        for person, peer in ((sender, recipient), (recipient, sender)):
            batch.add(
                self._s["insert_direct_member"],
                (conversation_id, person, Role.MEMBER.value, created, first_wins),
            )
            batch.add(
                self._s["insert_user_row"],
                unset_nulls((person, conversation_id, ConversationType.DIRECT.value, None,
                             peer, created, first_wins)),
            )  # fmt: skip

    def add_activity(
        self,
        batch: BatchStatement,
        username: str,
        conversation_id: uuid.UUID,
        message_id: uuid.UUID,
    ) -> None:
        batch.add(
            self._s["activity"],
            (message_timestamp_us(message_id), message_id, username, conversation_id),
        )

    def add_read_marker(
        self,
        batch: BatchStatement,
        username: str,
        conversation_id: uuid.UUID,
        message_id: uuid.UUID,
    ) -> None:
        at = message_timestamp_us(message_id)
        batch.add(self._s["read_user"], (at, message_id, username, conversation_id))
        batch.add(self._s["read_member"], (at, message_id, conversation_id, username))

    def add_sent(
        self,
        batch: BatchStatement,
        username: str,
        conversation_id: uuid.UUID,
        message_id: uuid.UUID,
    ) -> None:
        """The sender's activity and read marker, both at the message: one statement on
        their list row (the same cell timestamps as `add_activity` and `add_read_marker`),
        and the marker on their member row."""
        at = message_timestamp_us(message_id)
        batch.add(self._s["sent"], (at, message_id, message_id, username, conversation_id))
        batch.add(self._s["read_member"], (at, message_id, conversation_id, username))

    # The conversation list.

    async def user_conversations(self, username: str) -> list[UserConversation]:
        rows = await self._db.execute(self._s["user_rows"], (username,))
        return [
            UserConversation(
                conversation_id=row.conversation_id,
                type=ConversationType(row.type),
                name=row.name,
                peer=row.peer,
                joined_at_ns=datetime_to_ns(row.joined_at) if row.joined_at else None,
                last_activity_id=row.last_activity_id,
                last_read_id=row.last_read_message_id,
            )
            # A row without a type is a stray activity write for someone who has left.
            for row in rows
            if row.type is not None
        ]


def _member(row: Any) -> Member:
    return Member(
        username=row.username,
        role=Role(row.role),
        joined_at_ns=datetime_to_ns(row.joined_at) if row.joined_at else 0,
        last_read_id=row.last_read_message_id,
    )
