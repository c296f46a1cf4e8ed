"""Refresh tokens by digest; each one is spent by a lightweight transaction, so only once."""

from __future__ import annotations

import uuid
from typing import ClassVar

from chat_service.repos.base import PreparedRepository


class RefreshTokenRepository(PreparedRepository):
    CQL: ClassVar[dict[str, str]] = {
        "insert": "INSERT INTO refresh_tokens (token_hash, user_id, username, used, "
        "token_generation) VALUES (?, ?, ?, false, ?) USING TTL ?",
        "owner": "SELECT user_id, username, used, token_generation FROM refresh_tokens "
        "WHERE token_hash = ?",
        "spend": "UPDATE refresh_tokens SET used = true WHERE token_hash = ? IF used = false",
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
        spent = await self._db.execute(self._s["spend"], (digest,))
        if not spent[0].applied:
            return None
        return rows[0].user_id, rows[0].username, rows[0].token_generation or 0
