"""Access tokens: verification, and the memory of tokens already verified."""

from __future__ import annotations

import time
import uuid

import jwt
import pytest

from chat_service.domain.errors import Unauthenticated
from chat_service.infra.caches import CacheRegistry
from chat_service.services.tokens import TokenIssuer

SECRET = "s" * 48
USER_ID = uuid.uuid4()


@pytest.fixture
def now_s() -> int:
    """Now, read when the test starts: pyjwt checks `iat` and `exp` by the real clock."""
    return int(time.time())


class Clock:
    def __init__(self, now_s: float) -> None:
        self.now_s = now_s

    def __call__(self) -> float:
        return self.now_s


def issuer(clock: Clock, ttl_s: int = 60) -> TokenIssuer:
    verified = CacheRegistry().fifo("verified_tokens", 100)
    return TokenIssuer(SECRET, "HS256", ttl_s, verified, clock_s=clock)


def test_a_remembered_token_still_expires_at_its_exp(now_s: int) -> None:
    clock = Clock(now_s)
    tokens = issuer(clock)
    token, _ = tokens.issue(USER_ID, "alice", now_s * 1_000_000_000)
    assert tokens.verify(token).username == "alice"  # verified and remembered

    clock.now_s = now_s + 59
    assert tokens.verify(token).user_id == USER_ID
    clock.now_s = now_s + 60
    with pytest.raises(Unauthenticated):
        tokens.verify(token)


def test_remembering_one_token_accepts_no_other_string(now_s: int) -> None:
    clock = Clock(now_s)
    tokens = issuer(clock)
    token, _ = tokens.issue(USER_ID, "alice", now_s * 1_000_000_000)
    tokens.verify(token)

    header, payload, signature = token.split(".")
    forged_claims = jwt.encode({"sub": str(USER_ID), "username": "mallory"}, "other-key")
    forged_payload = forged_claims.split(".")[1]
    for tampered in (
        f"{header}.{forged_payload}.{signature}",
        f"{header}.{payload}.{signature[:-2]}AA",
        token + " ",
    ):
        with pytest.raises(Unauthenticated):
            tokens.verify(tampered)


def test_an_expired_token_is_refused_without_being_remembered(now_s: int) -> None:
    clock = Clock(now_s)
    tokens = issuer(clock, ttl_s=60)
    token, _ = tokens.issue(USER_ID, "alice", 1_000_000_000 * 1_000_000_000)  # long expired
    for _ in range(2):
        with pytest.raises(Unauthenticated):
            tokens.verify(token)


def test_a_signed_token_with_an_absurd_expiry_is_refused_not_a_crash(now_s: int) -> None:
    forged_by_a_key_holder = jwt.encode(
        {"sub": str(USER_ID), "username": "ann", "iat": now_s, "exp": 10**400},
        SECRET,
        algorithm="HS256",
    )
    with pytest.raises(Unauthenticated):
        issuer(Clock(now_s)).verify(forged_by_a_key_holder)


def test_claims_carry_the_expiry_a_socket_closes_at(now_s: int) -> None:
    tokens = issuer(Clock(now_s), ttl_s=90)
    token, expires_ns = tokens.issue(USER_ID, "alice", now_s * 1_000_000_000)
    for _ in range(2):  # decoded, then remembered
        assert tokens.verify(token).expires_at_s == now_s + 90 == expires_ns // 1_000_000_000
