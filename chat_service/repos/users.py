"""Users: accounts by name (uniqueness by lightweight transaction), by id, and by prefix."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from chat_service.domain.clock import datetime_to_ns, ns_to_datetime
from chat_service.domain.errors import StoreUnavailable
from chat_service.domain.models import User, UserCredentials
from chat_service.infra.cassandra import UNKNOWN_OUTCOME_ATTEMPTS, ConditionalWriteUnknown
from chat_service.repos.base import PreparedRepository

# Usernames start with a digit or a letter; the one-character directory partitions, in order.
FIRST_CHARACTERS = "0123456789abcdefghijklmnopqrstuvwxyz"
_AFTER_ALL = "\U0010ffff"


def directory_prefixes(username: str) -> tuple[str, str]:
    """The two directory partitions a user is listed in: its first one and two characters."""
    return username[:1], username[:2]


class UserRepository(PreparedRepository):
    CQL: ClassVar[dict[str, str]] = {
        "insert_user": "INSERT INTO users (username, id, password_hash, created_at) "
        "VALUES (?, ?, ?, ?) IF NOT EXISTS",
        "insert_by_id": "INSERT INTO users_by_id (id, username, created_at) VALUES (?, ?, ?)",
        "delete_by_id": "DELETE FROM users_by_id WHERE id = ?",
        "insert_directory": "INSERT INTO user_directory (prefix, username, id) VALUES (?, ?, ?)",
        "by_username": "SELECT id, username, password_hash, created_at FROM users "
        "WHERE username = ?",
        "by_id": "SELECT id, username, created_at FROM users_by_id WHERE id = ?",
        "owner": "SELECT id FROM users WHERE username = ?",
        "directory_range": "SELECT username, id FROM user_directory "
        "WHERE prefix = ? AND username >= ? AND username < ? LIMIT ?",
    }

    async def insert(self, credentials: UserCredentials) -> bool:
        """Store a new account; False when the username is taken.

        The id row goes first: a crash between the two writes leaves an unreachable id row,
        never a username whose id cannot be resolved.
        """
        user = credentials.user
        created = ns_to_datetime(user.created_at_ns)
        await self._db.execute(self._s["insert_by_id"], (user.id, user.username, created))
        applied = await self._insert_user(
            (user.username, user.id, credentials.password_hash.decode(), created)
        )
        if not applied:
            await self._db.execute(self._s["delete_by_id"], (user.id,))
            return False
        for prefix in directory_prefixes(user.username):
            await self._db.execute(self._s["insert_directory"], (prefix, user.username, user.id))
        return True

    async def _insert_user(self, values: tuple[Any, ...]) -> bool:
        """The conditional insert; when its outcome is unknown (contention between
        replicas), a serial read tells whether the name went to this id or another."""
        username, user_id = values[0], values[1]
        for _ in range(UNKNOWN_OUTCOME_ATTEMPTS):
            try:
                rows = await self._db.execute(self._s["insert_user"], values)
                # Not applied: the row there may be this id's own, from an unknown try.
                return bool(rows[0].applied or rows[0].id == user_id)
            except ConditionalWriteUnknown:
                owner = await self._db.settle(self._s["owner"], (username,))
            if owner:
                return bool(owner[0].id == user_id)
        raise StoreUnavailable("Cassandra could not settle the registration")

    async def credentials(self, username: str) -> UserCredentials | None:
        rows = await self._db.execute(self._s["by_username"], (username,))
        if not rows:
            return None
        return UserCredentials(_user(rows[0]), rows[0].password_hash.encode())

    async def by_username(self, username: str) -> User | None:
        found = await self.credentials(username)
        return found.user if found else None

    async def by_id(self, user_id: uuid.UUID) -> User | None:
        rows = await self._db.execute(self._s["by_id"], (user_id,))
        return _user(rows[0]) if rows else None

    async def search(self, prefix: str, after: str, limit: int) -> list[tuple[uuid.UUID, str]]:
        """Up to `limit` users whose name starts with `prefix`, ordered by name, after `after`.

        A prefix of one or more characters is one partition; an empty prefix walks the
        one-character partitions in order.
        """
        partitions = (
            [prefix[:2]] if prefix else [first for first in FIRST_CHARACTERS if first >= after[:1]]
        )
        low = max(prefix, after + "\x00") if after else prefix  # `>= after + NUL` is `> after`
        high = prefix + _AFTER_ALL
        found: list[tuple[uuid.UUID, str]] = []
        for partition in partitions:
            rows = await self._db.execute(
                self._s["directory_range"], (partition, low, high, limit - len(found))
            )
            found.extend((row.id, row.username) for row in rows)
            if len(found) >= limit:
                break
        return found


def _user(row: Any) -> User:
    return User(id=row.id, username=row.username, created_at_ns=datetime_to_ns(row.created_at))
