"""Accounts by email: verifying an address, resetting a forgotten password, changing a
password, and ending every session.

Emailed tokens are 256 random bits, stored only as a digest, spent once, refused after
they expire, and refused once the account's sessions have ended since they were issued
(they carry the session generation). Asking for a reset answers the same way, after the
same lookups and hashing, whether or not the account exists.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import structlog

from chat_service.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from chat_service.domain.models import EmailPurpose, EmailToken, User
from chat_service.mail.templates import MailTemplates
from chat_service.services.limits import Limits
from chat_service.services.passwords import PasswordHasher
from chat_service.services.ports import EmailTokens, MailQueue, UserAccounts
from chat_service.services.sessions import Sessions
from chat_service.services.tokens import AccessClaims, email_token_digest, new_email_token

log = structlog.get_logger(__name__)
_NS = 1_000_000_000
_BAD_TOKEN = "The link is invalid, already used or expired."


@dataclass(frozen=True)
class EmailTokenTtls:
    verification_s: int
    reset_s: int

    def of(self, purpose: EmailPurpose) -> int:
        return self.verification_s if purpose is EmailPurpose.VERIFY else self.reset_s


class AccountEmailService:
    def __init__(
        self,
        users: UserAccounts,
        tokens: EmailTokens,
        hasher: PasswordHasher,
        sessions: Sessions,
        mail: MailQueue,
        templates: MailTemplates,
        limits: Limits,
        ttls: EmailTokenTtls,
        clock_ns: Callable[[], int],
    ) -> None:
        self._users = users
        self._tokens = tokens
        self._hasher = hasher
        self._sessions = sessions
        self._mail = mail
        self._templates = templates
        self._limits = limits
        self._ttls = ttls
        self._clock_ns = clock_ns

    async def send_verification(self, user: User) -> None:
        """Queue a verification email to `user.email` (a new account's, or on request)."""
        if user.email is None:
            return
        raw = new_email_token()
        await self._store(EmailPurpose.VERIFY, email_token_digest(EmailPurpose.VERIFY, raw), user)
        mail = self._templates.verification(user.username, user.email, raw)
        await self._mail.queue(mail, self._ttls.verification_s)

    async def resend_verification(self, caller: AccessClaims, client: str) -> None:
        await self._limits.take_email_request("verify", caller.username, client)
        user = await self._users.by_id(caller.user_id)
        if user is None:
            raise NotFound("The account no longer exists.")
        if user.email is None:
            raise Conflict("The account has no email address.", code="no_email")
        if not user.email_verified:
            await self.send_verification(user)

    async def verify_email(self, token: str) -> None:
        _, user = await self._spend(EmailPurpose.VERIFY, token)
        await self._users.mark_email_verified(user.id)

    async def request_reset(self, email: str | None, username: str | None, client: str) -> None:
        """Queue a reset email when the address or username names an account with an
        address; otherwise nothing, after the same limits, lookups and hashing."""
        await self._limits.take_email_request("reset", email or username or "", client)
        raw = new_email_token()
        digest = email_token_digest(EmailPurpose.RESET, raw)
        user = await self._find(email, username)
        if user is None or user.email is None:
            log.info("password_reset.no_address")
            return
        await self._store(EmailPurpose.RESET, digest, user)
        mail = self._templates.password_reset(user.username, user.email, raw)
        await self._mail.queue(mail, self._ttls.reset_s)

    async def confirm_reset(self, token: str, new_password: str) -> None:
        """Set a new password with a reset token; every session of the account ends."""
        _, user = await self._spend(EmailPurpose.RESET, token)
        await self._set_password(user.id, user.username, new_password)
        if not user.email_verified:  # the reset link reached the address: it is verified
            await self._users.mark_email_verified(user.id)

    async def change_password(
        self, caller: AccessClaims, current_password: str, new_password: str
    ) -> None:
        """A new password for the caller, who proves the current one (failures count
        against the login limit); every session of the account ends."""
        await self._limits.check_login(caller.username)
        found = await self._users.credentials(caller.username)
        valid = await self._hasher.verify(current_password, found.password_hash if found else None)
        if not valid or found is None:
            await self._limits.login_failed(caller.username)
            raise Forbidden("The current password is incorrect.", code="invalid_credentials")
        await self._set_password(caller.user_id, caller.username, new_password)

    async def logout_all(self, caller: AccessClaims) -> None:
        await self._sessions.end_all(caller.user_id, caller.username)

    async def _set_password(self, user_id: uuid.UUID, username: str, password: str) -> None:
        # Sessions end first: should the password write fail, no session outlives the
        # request, and the user tries again with an unchanged password.
        hashed = await self._hasher.hash(password)
        await self._sessions.end_all(user_id, username)
        await self._users.set_password(username, hashed)

    async def _find(self, email: str | None, username: str | None) -> User | None:
        if email is not None:
            user_id = await self._users.id_by_email(email)
        else:
            found = await self._users.credentials(username or "")
            user_id = found.user.id if found else None
        return await self._users.by_id(user_id) if user_id is not None else None

    async def _store(self, purpose: EmailPurpose, digest: bytes, user: User) -> None:
        assert user.email is not None
        ttl_s = self._ttls.of(purpose)
        token = EmailToken(
            purpose, user.id, user.email, user.token_generation, self._clock_ns() + ttl_s * _NS
        )
        await self._tokens.insert(digest, token, ttl_s)

    async def _spend(self, purpose: EmailPurpose, raw: str) -> tuple[EmailToken, User]:
        """The token's account; `400 invalid_token` when the token is unknown, used,
        expired, or issued before the account's sessions last ended or its address changed."""
        token = await self._tokens.spend(email_token_digest(purpose, raw))
        if token is None or self._clock_ns() >= token.expires_at_ns:
            raise InvalidInput(_BAD_TOKEN, code="invalid_token")
        user = await self._users.by_id(token.user_id)
        if (
            user is None
            or user.token_generation != token.token_generation
            or user.email != token.email
        ):
            raise InvalidInput(_BAD_TOKEN, code="invalid_token")
        return token, user
