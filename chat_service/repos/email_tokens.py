"""Verification and reset tokens by digest, each spent once by a lightweight transaction.

A spend whose outcome Cassandra could not tell is settled by a serial read of `used`. The
row does not say which attempt spent it, so a token found used then is refused even if it
was this attempt's own unknown try: never spent twice, at worst the link must be asked for
again.
"""

from __future__ import annotations

from typing import ClassVar

from chat_service.domain.clock import datetime_to_ns, ns_to_datetime
from chat_service.domain.models import EmailPurpose, EmailToken
from chat_service.infra.cassandra import SerialRead
from chat_service.repos.base import PreparedRepository

# Rows outlive their expiry a little, so a token used just late is refused as expired
# (checked against `expires_at`) rather than unknown; either way it does not work.
_TTL_MARGIN_S = 60


class EmailTokenRepository(PreparedRepository):
    CQL: ClassVar[dict[str, str]] = {
        "insert": "INSERT INTO email_tokens (token_hash, purpose, user_id, email, "
        "token_generation, expires_at, used) VALUES (?, ?, ?, ?, ?, ?, false) USING TTL ?",
        "read": "SELECT purpose, user_id, email, token_generation, expires_at, used "
        "FROM email_tokens WHERE token_hash = ?",
        "spend": "UPDATE email_tokens SET used = true WHERE token_hash = ? IF used = false",
        "used": "SELECT used FROM email_tokens WHERE token_hash = ?",
    }

    async def insert(self, digest: bytes, token: EmailToken, ttl_s: int) -> None:
        await self._db.execute(
            self._s["insert"],
            (
                digest,
                token.purpose.value,
                token.user_id,
                token.email,
                token.token_generation,
                ns_to_datetime(token.expires_at_ns),
                ttl_s + _TTL_MARGIN_S,
            ),
        )

    async def spend(self, digest: bytes) -> EmailToken | None:
        """Mark the token used; what it stood for when it was unused, else None (expiry and
        purpose are the caller's to check)."""
        rows = await self._db.execute(self._s["read"], (digest,))
        if not rows or rows[0].used:
            return None
        if not await self._spent(digest):
            return None
        row = rows[0]
        return EmailToken(
            purpose=EmailPurpose(row.purpose),
            user_id=row.user_id,
            email=row.email,
            token_generation=row.token_generation or 0,
            expires_at_ns=datetime_to_ns(row.expires_at),
        )

    async def _spent(self, digest: bytes) -> bool:
        """Whether this attempt spent the token (see the module's note on unknown outcomes)."""
        return await self._db.conditional(
            self._s["spend"],
            (digest,),
            answer=lambda row: bool(row.applied),
            settle=SerialRead(
                self._s["used"],
                (digest,),
                # Still unused: no try was applied yet, so this one is tried again.
                lambda rows: False if not rows or rows[0].used else None,
            ),
        )
