"""Users: accounts by name and by email address (uniqueness by lightweight transactions),
by id (with the account's address and session generation), by prefix, and the feed of
ended sessions (`session_ends`, migration 0012)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, ClassVar

from cassandra.query import BatchStatement, BatchType

from chat_service.domain.clock import datetime_to_ns, ns_to_datetime
from chat_service.domain.ids import NS_PER_HOUR
from chat_service.domain.models import Registration, User, UserCredentials
from chat_service.infra.cassandra import SerialRead
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
        "insert_by_id": "INSERT INTO users_by_id (id, username, created_at, email, "
        "email_verified, token_generation) VALUES (?, ?, ?, ?, false, 0)",
        "claim_email": "INSERT INTO users_by_email (email, user_id, username) VALUES (?, ?, ?) "
        "IF NOT EXISTS",
        "release_email": "DELETE FROM users_by_email WHERE email = ? IF user_id = ?",
        "by_email": "SELECT user_id FROM users_by_email WHERE email = ?",
        "set_password": "UPDATE users SET password_hash = ? WHERE username = ?",
        "set_generation": "UPDATE users_by_id SET token_generation = ? WHERE id = ?",
        "generation": "SELECT token_generation FROM users_by_id WHERE id = ?",
        "add_end": "INSERT INTO session_ends (hour, generation, username) VALUES (?, ?, ?)",
        "ends_since": "SELECT generation, username FROM session_ends "
        "WHERE hour = ? AND generation >= ?",
        "mark_verified": "UPDATE users_by_id SET email_verified = true WHERE id = ?",
        "delete_by_id": "DELETE FROM users_by_id WHERE id = ?",
        "insert_directory": "INSERT INTO user_directory (prefix, username, id) VALUES (?, ?, ?)",
        "by_username": "SELECT id, username, password_hash, created_at FROM users "
        "WHERE username = ?",
        "by_id": "SELECT id, username, created_at, email, email_verified, token_generation "
        "FROM users_by_id WHERE id = ?",
        "owner": "SELECT id FROM users WHERE username = ?",
        "directory_range": "SELECT username, id FROM user_directory "
        "WHERE prefix = ? AND username >= ? AND username < ? LIMIT ?",
    }

    async def insert(self, credentials: UserCredentials) -> Registration:
        """Store a new account (with `user.email`, lowercase, when it has one).

        The address is claimed first (so of many registrations racing for one address one
        wins), then the id row, then the username: a crash between the writes leaves an
        unreachable id row or a claimed address, never a username whose id cannot be
        resolved. A taken username releases what was written before it.
        """
        user = credentials.user
        created = ns_to_datetime(user.created_at_ns)
        if user.email is not None and not await self._claim_email(user):
            return Registration.EMAIL_TAKEN
        await self._db.execute(
            self._s["insert_by_id"], (user.id, user.username, created, user.email)
        )
        applied = await self._insert_user(
            (user.username, user.id, credentials.password_hash.decode(), created)
        )
        if not applied:
            await self._db.execute(self._s["delete_by_id"], (user.id,))
            if user.email is not None:
                await self._db.execute(self._s["release_email"], (user.email, user.id))
            return Registration.USERNAME_TAKEN
        for prefix in directory_prefixes(user.username):
            await self._db.execute(self._s["insert_directory"], (prefix, user.username, user.id))
        return Registration.CREATED

    async def id_by_email(self, email: str) -> uuid.UUID | None:
        rows = await self._db.execute(self._s["by_email"], (email,))
        return rows[0].user_id if rows else None

    async def set_password(self, username: str, password_hash: bytes) -> None:
        await self._db.execute(self._s["set_password"], (password_hash.decode(), username))

    async def end_sessions(self, user_id: uuid.UUID, username: str, generation: int) -> None:
        """The account's new session generation (`generation`: nanoseconds since the epoch)
        and its row in the feed of ends, in one logged batch: the feed never tells of an
        end the account does not have, nor leaves out one it has."""
        batch = BatchStatement(BatchType.LOGGED)
        batch.add(self._s["set_generation"], (generation, user_id))
        batch.add(self._s["add_end"], (generation // NS_PER_HOUR, generation, username))
        await self._db.execute(batch)

    async def ends_since(self, since_ns: int, until_ns: int) -> list[tuple[int, str]]:
        """(generation, username) of the ends with a generation from `since_ns`, read from
        each hour's partition up to `until_ns`'s (the last two hours at most)."""
        first = max(since_ns // NS_PER_HOUR, until_ns // NS_PER_HOUR - 1)
        hours = range(first, until_ns // NS_PER_HOUR + 1)
        read = self._s["ends_since"]
        pages = await asyncio.gather(*(self._db.execute(read, (hour, since_ns)) for hour in hours))
        return [(row.generation, row.username) for rows in pages for row in rows]

    async def token_generation(self, user_id: uuid.UUID) -> int | None:
        """The account's session generation; None when there is no such account."""
        rows = await self._db.execute(self._s["generation"], (user_id,))
        return (rows[0].token_generation or 0) if rows else None

    async def mark_email_verified(self, user_id: uuid.UUID) -> None:
        await self._db.execute(self._s["mark_verified"], (user_id,))

    async def _claim_email(self, user: User) -> bool:
        """The address's conditional claim; not applied, the row there may be this id's
        own, from a try whose outcome was unknown (as `_insert_user`)."""
        return await self._db.conditional(
            self._s["claim_email"],
            (user.email, user.id, user.username),
            answer=lambda row: bool(row.applied or row.user_id == user.id),
            settle=SerialRead(
                self._s["by_email"],
                (user.email,),
                lambda owner: owner[0].user_id == user.id if owner else None,
            ),
        )

    async def _insert_user(self, values: tuple[Any, ...]) -> bool:
        """The conditional insert; when its outcome is unknown (contention between
        replicas), a serial read tells whether the name went to this id or another."""
        username, user_id = values[0], values[1]
        return await self._db.conditional(
            self._s["insert_user"],
            values,
            # Not applied: the row there may be this id's own, from an unknown try.
            answer=lambda row: bool(row.applied or row.id == user_id),
            settle=SerialRead(
                self._s["owner"],
                (username,),
                lambda owner: owner[0].id == user_id if owner else None,
            ),
        )

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
        return _account(rows[0]) if rows else None

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


def _account(row: Any) -> User:
    """A `users_by_id` row: the user with its address and session generation."""
    return User(
        id=row.id,
        username=row.username,
        created_at_ns=datetime_to_ns(row.created_at),
        email=row.email,
        email_verified=bool(row.email_verified),
        token_generation=row.token_generation or 0,
    )
