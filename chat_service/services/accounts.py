"""Registration, login, token refresh and logout, and looking users up."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Protocol

import structlog

from chat_service.domain import validation
from chat_service.domain.clock import to_millis
from chat_service.domain.cursors import UserSearchCursor
from chat_service.domain.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    StoreUnavailable,
    Unauthenticated,
)
from chat_service.domain.models import Registration, TokenPair, User, UserCredentials
from chat_service.services.limits import Limits
from chat_service.services.passwords import PasswordHasher
from chat_service.services.ports import RefreshTokens, UserAccounts
from chat_service.services.sessions import Sessions
from chat_service.services.tokens import (
    AccessClaims,
    TokenIssuer,
    new_refresh_token,
    refresh_token_digest,
)

log = structlog.get_logger(__name__)
_BAD_CREDENTIALS = "The username or password is incorrect."
_BAD_REFRESH = "The refresh token is invalid, used or expired."


class VerificationMail(Protocol):
    async def send_verification(self, user: User) -> None: ...


class AccountService:
    def __init__(
        self,
        users: UserAccounts,
        refresh_tokens: RefreshTokens,
        hasher: PasswordHasher,
        issuer: TokenIssuer,
        limits: Limits,
        refresh_ttl_s: int,
        clock_ns: Callable[[], int],
        *,
        sessions: Sessions,
        verification: VerificationMail,
        require_verification: bool = False,
    ) -> None:
        self._sessions = sessions
        self._verification = verification
        self._require_verification = require_verification
        self._users = users
        self._refresh_tokens = refresh_tokens
        self._hasher = hasher
        self._issuer = issuer
        self._limits = limits
        self._refresh_ttl_s = refresh_ttl_s
        self._clock_ns = clock_ns

    async def register(self, username: str, password: str, email: str | None = None) -> User:
        """`username` is a valid name, lowercase; `password` 8 to 128 characters; `email` a
        valid address, lowercase (required with `REQUIRE_EMAIL_VERIFICATION`), to which a
        verification email goes."""
        if email is None and self._require_verification:
            raise InvalidInput(
                "email: is required",
                details={"email": "is required"},
            )
        user = User(
            id=uuid.uuid4(),
            username=username,
            created_at_ns=to_millis(self._clock_ns()),
            email=email,
        )
        credentials = UserCredentials(user, await self._hasher.hash(password))
        outcome = await self._users.insert(credentials)
        if outcome is Registration.USERNAME_TAKEN:
            raise Conflict("That username is taken.", code="username_taken")
        if outcome is Registration.EMAIL_TAKEN:
            raise Conflict("That email address is taken.", code="email_taken")
        try:
            await self._verification.send_verification(user)
        except StoreUnavailable:
            # The account exists: answering 503 would make a retry get 409. The user asks
            # for the email again (`POST /auth/verify-email/resend`).
            log.warning("register.verification_not_queued")
        return user

    async def login(self, username: str, password: str) -> TokenPair:
        """Tokens for valid credentials; one answer, at one cost, for every kind of failure
        (a name that could never be valid included)."""
        name = username.lower()
        # A name that can never be an account's is neither looked up nor counted: counting
        # it would let anyone create rate-limit keys as long as a request body.
        possible = username.isascii() and validation.USERNAME.fullmatch(name) is not None
        found = None
        if possible:
            await self._limits.check_login(name)
            found = await self._users.credentials(name)
        valid = await self._hasher.verify(password, found.password_hash if found else None)
        if not valid or found is None:
            if possible:
                await self._limits.login_failed(name)
            raise Unauthenticated(_BAD_CREDENTIALS, code="invalid_credentials")
        account = await self._users.by_id(found.user.id)  # its address, session generation
        if account is None:
            raise Unauthenticated(_BAD_CREDENTIALS, code="invalid_credentials")
        if self._require_verification and not account.email_verified:
            raise Forbidden(
                "Confirm your email address first (see the email we sent).",
                code="email_not_verified",
            )
        return await self._issue(account)

    async def refresh(self, refresh_token: str) -> TokenPair:
        """New tokens for an unused refresh token issued since the account's sessions last
        ended."""
        owner = await self._refresh_tokens.spend(refresh_token_digest(refresh_token))
        if owner is None:
            raise Unauthenticated(_BAD_REFRESH)
        user = await self._users.by_id(owner[0])
        if user is None or user.token_generation != owner[2]:
            raise Unauthenticated(_BAD_REFRESH)
        return await self._issue(user)

    async def logout(self, refresh_token: str) -> None:
        await self._refresh_tokens.spend(refresh_token_digest(refresh_token))

    async def authenticate(self, access_token: str) -> AccessClaims:
        """The token's claims, if it is valid and was issued since the account's sessions
        last ended (a cached check: no Cassandra read on most requests)."""
        claims = self._issuer.verify(access_token)
        await self._sessions.check(claims)
        return claims

    async def me(self, claims: AccessClaims) -> User:
        user = await self._users.by_id(claims.user_id)
        if user is None:
            raise NotFound("The account no longer exists.")
        return user

    async def search(
        self, prefix: str, limit: int, cursor: str | None
    ) -> tuple[list[tuple[uuid.UUID, str]], str | None]:
        """Users whose name starts with `prefix`, by name, after the opaque `cursor`."""
        after = UserSearchCursor.parse(cursor).username if cursor else ""
        found = await self._users.search(prefix.lower(), after, limit + 1)
        page = found[:limit]
        if len(found) <= limit:
            return page, None
        return page, UserSearchCursor(page[-1][1]).encode()

    async def _issue(self, user: User) -> TokenPair:
        """Tokens for `user` as read from `users_by_id` (its current session generation)."""
        generation = user.token_generation
        access, expires_ns = self._issuer.issue(
            user.id, user.username, self._clock_ns(), generation
        )
        refresh = new_refresh_token()
        await self._refresh_tokens.insert(
            refresh_token_digest(refresh), user.id, user.username, generation, self._refresh_ttl_s
        )
        return TokenPair(access, expires_ns, refresh, user)
