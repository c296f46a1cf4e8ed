"""Fakes for accounts by email: users with addresses and session generations, emailed
tokens, the mail queue, the email limits, and a clock the test moves."""

from __future__ import annotations

import uuid
from dataclasses import replace

from chat_service.domain.errors import StoreUnavailable
from chat_service.domain.models import EmailToken, OutgoingMail, User, UserCredentials

NS = 1_000_000_000


class FakeClock:
    def __init__(self, now_ns: int = 1_000 * NS) -> None:
        self.now_ns = now_ns

    def __call__(self) -> int:
        return self.now_ns

    def advance(self, seconds: float) -> None:
        self.now_ns += int(seconds * NS)


class FakeAccountStore:
    """Accounts by id, name and address, with their password hashes, and the feed of
    ended sessions."""

    def __init__(self) -> None:
        self.users: dict[uuid.UUID, User] = {}
        self.hashes: dict[uuid.UUID, bytes] = {}
        self.generation_reads = 0
        self.ends: list[tuple[int, str]] = []
        self.feed_reads: list[int] = []  # the `since_ns` of each read of the feed
        self.feed_down = False

    def add(self, username: str, password_hash: bytes, email: str | None = None) -> User:
        user = User(uuid.uuid4(), username, 0, email=email)
        self.users[user.id] = user
        self.hashes[user.id] = password_hash
        return user

    def _named(self, username: str) -> User | None:
        return next((u for u in self.users.values() if u.username == username), None)

    async def credentials(self, username: str) -> UserCredentials | None:
        user = self._named(username)
        return UserCredentials(user, self.hashes[user.id]) if user else None

    async def by_id(self, user_id: uuid.UUID) -> User | None:
        return self.users.get(user_id)

    async def id_by_email(self, email: str) -> uuid.UUID | None:
        return next((u.id for u in self.users.values() if u.email == email), None)

    async def set_password(self, username: str, password_hash: bytes) -> None:
        user = self._named(username)
        assert user is not None
        self.hashes[user.id] = password_hash

    async def end_sessions(self, user_id: uuid.UUID, username: str, generation: int) -> None:
        self.users[user_id] = replace(self.users[user_id], token_generation=generation)
        self.ends.append((generation, username))

    async def ends_since(self, since_ns: int, until_ns: int) -> list[tuple[int, str]]:
        if self.feed_down:
            raise StoreUnavailable("the feed is unavailable")
        self.feed_reads.append(since_ns)
        return [(g, name) for g, name in self.ends if since_ns <= g]

    async def token_generation(self, user_id: uuid.UUID) -> int | None:
        self.generation_reads += 1
        user = self.users.get(user_id)
        return user.token_generation if user else None

    async def mark_email_verified(self, user_id: uuid.UUID) -> None:
        self.users[user_id] = replace(self.users[user_id], email_verified=True)


class FakeEmailTokens:
    def __init__(self) -> None:
        self.rows: dict[bytes, tuple[EmailToken, bool]] = {}

    async def insert(self, digest: bytes, token: EmailToken, ttl_s: int) -> None:
        self.rows[digest] = (token, False)

    async def spend(self, digest: bytes) -> EmailToken | None:
        found = self.rows.get(digest)
        if found is None or found[1]:
            return None
        self.rows[digest] = (found[0], True)
        return found[0]


class FakeMailQueue:
    def __init__(self) -> None:
        self.queued: list[tuple[OutgoingMail, int]] = []

    async def queue(self, mail: OutgoingMail, ttl_s: int) -> None:
        self.queued.append((mail, ttl_s))


class FakeEmailLimits:
    """Counts what the service asks of the limits; refuses nothing."""

    def __init__(self) -> None:
        self.email_requests: list[tuple[str, str, str]] = []
        self.login_failures: list[str] = []

    async def take_email_request(self, kind: str, account: str, address: str) -> None:
        self.email_requests.append((kind, account, address))

    async def check_login(self, username: str) -> None:
        pass

    async def login_failed(self, username: str) -> None:
        self.login_failures.append(username)


class Remembered(dict[str, tuple[int, float]]):
    """An unbounded stand-in for a named cache: `pop` of a missing key answers None."""

    def pop(self, key: str, default: tuple[int, float] | None = None) -> tuple[int, float] | None:  # type: ignore[override]
        return super().pop(key, default)
