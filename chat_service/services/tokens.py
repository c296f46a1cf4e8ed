"""Access tokens (JWT, algorithm pinned, `exp` required) and opaque refresh tokens."""

from __future__ import annotations

import hashlib
import math
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import jwt

from chat_service.domain.errors import Unauthenticated

_NS = 1_000_000_000


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: uuid.UUID
    username: str
    # The account's session generation when the token was issued (`gen`; 0 when absent):
    # ending every session changes the account's, and the token stops working.
    generation: int = 0
    # When the token expires (s since the epoch): a WebSocket opened with it closes then.
    expires_at_s: float = field(default=math.inf, compare=False)
    # The id as text, made once per verified token: logs and error reports carry it on
    # every request, and formatting a UUID costs as much as looking the token up.
    user_id_text: str = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "user_id_text", str(self.user_id))


class VerifiedTokens(Protocol):
    """A bounded mapping (`infra.caches.CacheRegistry.fifo`): token -> (claims, `exp`)."""

    def get(self, token: str) -> tuple[AccessClaims, float] | None: ...

    def __setitem__(self, token: str, verified: tuple[AccessClaims, float]) -> None: ...

    def pop(self, token: str) -> tuple[AccessClaims, float] | None: ...


class TokenIssuer:
    def __init__(
        self,
        secret: str,
        algorithm: str,
        access_ttl_s: int,
        verified: VerifiedTokens,
        clock_s: Callable[[], float] = time.time,
    ) -> None:
        self._secret = secret
        self._algorithm = algorithm
        self._ttl_s = access_ttl_s
        self._clock_s = clock_s
        # Tokens verified already (a client sends the same token with every request until
        # it expires): checking a signature costs more than the rest of a cached read, and
        # the same exact string verifies the same way until `exp`.
        self._verified = verified

    def issue(
        self, user_id: uuid.UUID, username: str, now_ns: int, generation: int = 0
    ) -> tuple[str, int]:
        """A signed access token and its expiry (ns since the epoch)."""
        now_s = now_ns // _NS
        expires_s = now_s + self._ttl_s
        token = jwt.encode(
            {
                "sub": str(user_id),
                "username": username,
                "iat": now_s,
                "exp": expires_s,
                "gen": generation,
            },
            self._secret,
            algorithm=self._algorithm,
        )
        return token, expires_s * _NS

    def verify(self, token: str) -> AccessClaims:
        """The token's claims; `Unauthenticated` for anything missing, expired or forged."""
        remembered = self._verified.get(token)
        claims, expires_s = remembered or self._decode(token)
        if self._clock_s() >= expires_s:
            if remembered is not None:
                self._verified.pop(token)
            raise Unauthenticated("The access token is missing, invalid or expired.")
        if remembered is None:
            self._verified[token] = (claims, expires_s)
        return claims

    def _decode(self, token: str) -> tuple[AccessClaims, float]:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[self._algorithm],
                options={"require": ["exp", "sub", "iat"]},
            )
            expires_s = float(claims["exp"])
            access = AccessClaims(
                uuid.UUID(claims["sub"]),
                str(claims["username"]),
                int(claims.get("gen", 0)),
                expires_at_s=expires_s,
            )
            return access, expires_s
        except (jwt.PyJWTError, KeyError, ValueError, TypeError, OverflowError) as exc:
            raise Unauthenticated("The access token is missing, invalid or expired.") from exc


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def refresh_token_digest(token: str) -> bytes:
    """What is stored: a leaked table does not reveal usable tokens."""
    return hashlib.sha256(token.encode()).digest()


def new_email_token() -> str:
    """256 random bits, URL-safe: what a verification or reset link carries."""
    return secrets.token_urlsafe(32)


def email_token_digest(purpose: str, token: str) -> bytes:
    """What is stored of an emailed token: the SHA-256 of its purpose and the token, so a
    reset token presented as a verification token (or the reverse) is simply unknown, and
    is not spent."""
    return hashlib.sha256(f"{purpose}:{token}".encode()).digest()
