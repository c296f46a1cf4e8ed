"""The rules of emailed tokens, on fakes: single use, expiry, purpose, stored only as
digests, useless once the account's sessions ended; a reset for an unknown account sends
nothing after the same work."""

from __future__ import annotations

import re

import pytest

from chat_service.domain.errors import Forbidden, InvalidInput
from chat_service.mail.templates import MailTemplates
from chat_service.services.account_email import AccountEmailService, EmailTokenTtls
from chat_service.services.passwords import PasswordHasher
from chat_service.services.sessions import Sessions
from chat_service.services.tokens import AccessClaims
from tests.unit.fakes.accounts import (
    FakeAccountStore,
    FakeClock,
    FakeEmailLimits,
    FakeEmailTokens,
    FakeMailQueue,
    Remembered,
)
from tests.unit.fakes.bus import FakeEventBus

PASSWORD, NEW_PASSWORD = "old password 1", "new password 2"
HASHER = PasswordHasher(cost=4)


class World:
    def __init__(self) -> None:
        self.clock = FakeClock()
        self.store = FakeAccountStore()
        self.tokens = FakeEmailTokens()
        self.mail = FakeMailQueue()
        self.limits = FakeEmailLimits()
        self.bus = FakeEventBus()
        self.sessions = Sessions(self.store, Remembered(), self.bus, ttl_s=5, clock_ns=self.clock)
        self.service = AccountEmailService(
            self.store,  # type: ignore[arg-type]
            self.tokens,
            HASHER,
            self.sessions,
            self.mail,
            MailTemplates("http://chat.example", 86_400, 1_800),
            self.limits,  # type: ignore[arg-type]
            EmailTokenTtls(verification_s=86_400, reset_s=1_800),
            clock_ns=self.clock,
        )

    async def account(self, email: str | None = "ann@example.com") -> AccessClaims:
        user = self.store.add("ann", await HASHER.hash(PASSWORD), email)
        return AccessClaims(user.id, user.username)

    def last_token(self, kind: str) -> str:
        mail, _ = self.mail.queued[-1]
        found = re.search(rf"/#/{kind}\?token=([\w-]+)", mail.text)
        assert found, mail.text
        return found.group(1)

    async def password_works(self, password: str) -> bool:
        found = await self.store.credentials("ann")
        assert found is not None
        return await HASHER.verify(password, found.password_hash)


@pytest.fixture
def world() -> World:
    return World()


async def test_a_reset_token_works_once(world: World) -> None:
    await world.account()
    await world.service.request_reset("ann@example.com", None, "192.0.2.1")
    token = world.last_token("reset-password")
    await world.service.confirm_reset(token, NEW_PASSWORD)
    assert await world.password_works(NEW_PASSWORD)
    with pytest.raises(InvalidInput) as refused:
        await world.service.confirm_reset(token, PASSWORD)
    assert refused.value.code == "invalid_token"
    assert await world.password_works(NEW_PASSWORD)


async def test_tokens_are_stored_only_as_digests(world: World) -> None:
    await world.account()
    await world.service.request_reset(None, "ann", "192.0.2.1")
    token = world.last_token("reset-password")
    assert len(token) >= 43  # 256 bits in URL-safe base64
    assert all(token.encode() not in digest for digest in world.tokens.rows)
    assert all(len(digest) == 32 for digest in world.tokens.rows)


async def test_a_token_fails_once_it_expired(world: World) -> None:
    await world.account()
    await world.service.request_reset("ann@example.com", None, "192.0.2.1")
    token = world.last_token("reset-password")
    world.clock.advance(1_800)
    with pytest.raises(InvalidInput):
        await world.service.confirm_reset(token, NEW_PASSWORD)
    assert await world.password_works(PASSWORD)


async def test_a_token_fails_once_the_sessions_ended_after_it(world: World) -> None:
    claims = await world.account()
    await world.service.request_reset("ann@example.com", None, "192.0.2.1")
    token = world.last_token("reset-password")
    await world.service.logout_all(claims)
    with pytest.raises(InvalidInput):
        await world.service.confirm_reset(token, NEW_PASSWORD)


async def test_a_verification_token_is_not_a_reset_token_and_is_not_spent(world: World) -> None:
    claims = await world.account()
    user = await world.store.by_id(claims.user_id)
    assert user is not None
    await world.service.send_verification(user)
    token = world.last_token("verify-email")
    with pytest.raises(InvalidInput):
        await world.service.confirm_reset(token, NEW_PASSWORD)
    await world.service.verify_email(token)
    verified = await world.store.by_id(claims.user_id)
    assert verified is not None and verified.email_verified


async def test_a_reset_for_an_unknown_account_sends_nothing_after_the_same_limits(
    world: World,
) -> None:
    await world.account()
    await world.service.request_reset("nobody@example.com", None, "192.0.2.1")
    await world.service.request_reset(None, "nobody", "192.0.2.1")
    assert world.mail.queued == [] and world.tokens.rows == {}
    assert world.limits.email_requests == [
        ("reset", "nobody@example.com", "192.0.2.1"),
        ("reset", "nobody", "192.0.2.1"),
    ]


async def test_an_account_without_an_address_gets_no_reset_mail(world: World) -> None:
    await world.account(email=None)
    await world.service.request_reset(None, "ann", "192.0.2.1")
    assert world.mail.queued == []


async def test_a_reset_ends_every_session(world: World) -> None:
    claims = await world.account()
    await world.service.request_reset("ann@example.com", None, "192.0.2.1")
    await world.service.confirm_reset(world.last_token("reset-password"), NEW_PASSWORD)
    user = await world.store.by_id(claims.user_id)
    assert user is not None and user.token_generation == world.clock.now_ns
    assert [event.recipients for event in world.bus.published] == [("ann",)]


async def test_a_wrong_current_password_changes_nothing_and_counts_as_a_failure(
    world: World,
) -> None:
    claims = await world.account()
    with pytest.raises(Forbidden):
        await world.service.change_password(claims, "not it", NEW_PASSWORD)
    assert world.limits.login_failures == ["ann"]
    assert await world.password_works(PASSWORD)
    assert world.bus.published == []
    await world.service.change_password(claims, PASSWORD, NEW_PASSWORD)
    assert await world.password_works(NEW_PASSWORD)
    assert len(world.bus.published) == 1
