"""Refresh tokens by digest; each one is spent by a lightweight transaction, so only once.

A spend writes a random attempt id beside `used`: when the transaction's outcome is unknown
(contention between replicas), a serial read of `spent_by` tells whether this attempt won,
so of many concurrent refreshes exactly one gets a new pair and none a 503.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from chat_service.infra.cassandra import SerialRead
from chat_service.repos.base import PreparedRepository


class RefreshTokenRepository(PreparedRepository):
    CQL: ClassVar[dict[str, str]] = {
        "insert": "INSERT INTO refresh_tokens (token_hash, user_id, username, used, "
        "token_generation) VALUES (?, ?, ?, false, ?) USING TTL ?",
        "owner": "SELECT user_id, username, used, token_generation FROM refresh_tokens "
        "WHERE token_hash = ?",
        "spend": "UPDATE refresh_tokens SET used = true, spent_by = ? WHERE token_hash = ? "
        "IF used = false",
        "spender": "SELECT used, spent_by FROM refresh_tokens WHERE token_hash = ?",
    }

    async def insert(
        self, digest: bytes, user_id: uuid.UUID, username: str, generation: int, ttl_s: int
    ) -> None:
        await self._db.execute(self._s["insert"], (digest, user_id, username, generation, ttl_s))

    async def spend(self, digest: bytes) -> tuple[uuid.UUID, str, int] | None:
        """Mark the token used; its owner and the session generation it was issued under
        when it was valid and unused, else None."""
        rows = await self._db.execute(self._s["owner"], (digest,))
        if not rows or rows[0].used:
            return None
        if not await self._spent_by(uuid.uuid4(), digest):
            return None
        return rows[0].user_id, rows[0].username, rows[0].token_generation or 0

    async def _spent_by(self, attempt: uuid.UUID, digest: bytes) -> bool:
        """Whether this attempt (a random id) spent the token."""
        return await self._db.conditional(
            self._s["spend"],
            (attempt, digest),
            answer=lambda spent: bool(spent.applied),
            settle=SerialRead(
                self._s["spender"],
                (digest,),
                # Unused: nobody's try was applied yet, so this one is tried again.
                lambda rows: rows[0].spent_by == attempt if rows and rows[0].used else None,
            ),
        )
