"""Ending every session: logout-all, a password change, and what they do to tokens in
this process and in others; logins that require a verified address; the email limits."""

from __future__ import annotations

import asyncio
import random

import pytest
from aiohttp.test_utils import TestClient, TestServer

from chat_service.api.context import SERVICES
from chat_service.app import create_app
from chat_service.domain.clock import now_ns
from chat_service.domain.errors import Unauthenticated
from chat_service.domain.events import Event
from chat_service.infra.caches import CacheRegistry
from chat_service.infra.cassandra import CassandraSession
from chat_service.infra.settings import Settings
from chat_service.repos.users import UserRepository
from chat_service.services.sessions import Sessions
from tests.conftest import unique_name
from tests.integration.api import API, PASSWORD, bearer, error_of, login, register
from tests.integration.mailpit import token_in, wait_for_mail
from tests.integration.test_email_accounts import NEW_PASSWORD, register_with_email, unique_address


async def status_of_me(client: TestClient, token: str) -> int:
    response = await client.get(f"{API}/users/me", headers=bearer(token))
    return response.status


async def test_logout_all_ends_every_session_of_the_account(client: TestClient) -> None:
    name = await register(client)
    other = await register(client)
    first, second = await login(client, name), await login(client, name)
    bystander = await login(client, other)
    assert await status_of_me(client, first["token"]) == 200  # remembered as current

    response = await client.post(f"{API}/auth/logout-all", headers=bearer(second["token"]))
    assert response.status == 204
    for session in (first, second):
        assert await status_of_me(client, session["token"]) == 401
        refreshed = await client.post(
            f"{API}/auth/refresh", json={"refresh_token": session["refresh_token"]}
        )
        assert refreshed.status == 401
    assert await status_of_me(client, bystander["token"]) == 200
    fresh = await login(client, name)
    assert await status_of_me(client, fresh["token"]) == 200
    refreshed = await client.post(
        f"{API}/auth/refresh", json={"refresh_token": fresh["refresh_token"]}
    )
    assert refreshed.status == 200


async def test_a_password_change_needs_the_current_password_and_ends_sessions(
    client: TestClient,
) -> None:
    name = await register(client)
    session = await login(client, name)
    wrong = await client.post(
        f"{API}/auth/password",
        json={"current_password": "not the password", "new_password": NEW_PASSWORD},
        headers=bearer(session["token"]),
    )
    assert wrong.status == 403
    assert (await error_of(wrong))["code"] == "invalid_credentials"
    assert await status_of_me(client, session["token"]) == 200

    changed = await client.post(
        f"{API}/auth/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=bearer(session["token"]),
    )
    assert changed.status == 204
    assert await status_of_me(client, session["token"]) == 401
    old = await client.post(f"{API}/auth/login", json={"username": name, "password": PASSWORD})
    assert old.status == 401
    await login(client, name, NEW_PASSWORD)


async def test_another_process_refuses_the_old_token_once_it_hears_of_the_change(
    client: TestClient, migrated: Settings
) -> None:
    name = await register(client)
    session = await login(client, name)
    async with TestClient(TestServer(create_app(migrated))) as elsewhere:
        assert await status_of_me(elsewhere, session["token"]) == 200  # cached there now
        ended = await client.post(f"{API}/auth/logout-all", headers=bearer(session["token"]))
        assert ended.status == 204
        for _ in range(100):  # the bus brings the change within milliseconds
            if await status_of_me(elsewhere, session["token"]) == 401:
                break
            await asyncio.sleep(0.05)
        assert await status_of_me(elsewhere, session["token"]) == 401


class Deaf:
    """The bus of a process that hears nothing, as when the event of an end is lost."""

    async def publish(self, event: Event) -> None:
        raise AssertionError("this process ends no sessions")


async def test_a_process_that_missed_the_event_learns_the_end_from_the_feed(
    client: TestClient, migrated: Settings
) -> None:
    name = await register(client)
    session = await login(client, name)
    claims = await client.app[SERVICES].accounts.authenticate(session["token"])
    db = await CassandraSession.connect(migrated, keyspace=migrated.cassandra_keyspace)
    closed: list[str] = []
    try:
        elsewhere = Sessions(
            await UserRepository.create(db),
            CacheRegistry().fifo("session_generations", 100),
            Deaf(),
            ttl_s=5,
            clock_ns=now_ns,
            on_ended=closed.append,
        )
        await elsewhere.read_ends()  # finds the ends of the last seconds' other tests
        await elsewhere.check(claims)  # remembered there, and trusted for minutes
        ended = await client.post(f"{API}/auth/logout-all", headers=bearer(session["token"]))
        assert ended.status == 204
        await elsewhere.check(claims)  # the event never reaches it
        await elsewhere.read_ends()
        assert closed.count(name) == 1
        with pytest.raises(Unauthenticated):
            await elsewhere.check(claims)
        await elsewhere.read_ends()  # read again within the overlap: learned once
        assert closed.count(name) == 1
    finally:
        await db.close()


async def test_logins_wait_for_a_verified_address_when_required(migrated: Settings) -> None:
    strict = migrated.model_copy(update={"require_email_verification": True})
    async with TestClient(TestServer(create_app(strict))) as client:
        missing = await client.post(
            f"{API}/auth/register", json={"username": unique_name(), "password": PASSWORD}
        )
        assert missing.status == 400
        assert "email" in (await error_of(missing))["details"]

        email = unique_address("strict")
        name = await register_with_email(client, email)
        refused = await client.post(
            f"{API}/auth/login", json={"username": name, "password": PASSWORD}
        )
        assert refused.status == 403
        assert (await error_of(refused))["code"] == "email_not_verified"
        (mail,) = await wait_for_mail(email)
        verified = await client.post(
            f"{API}/auth/verify-email", json={"token": token_in(mail, "verify")}
        )
        assert verified.status == 204
        await login(client, name)


async def test_reset_requests_are_limited_per_account_and_per_client(
    migrated: Settings,
) -> None:
    limited = migrated.model_copy(
        update={
            "email_requests_per_account_per_hour": 2,
            "email_requests_per_address_per_hour": 4,
            "client_address_header": "X-Forwarded-For",
        }
    )
    async with TestClient(TestServer(create_app(limited))) as client:
        # A fresh client address each run, appended by "the proxy" after a spoofed entry.
        client_ip = ".".join(str(random.randrange(1, 255)) for _ in range(4))
        address = {"X-Forwarded-For": f"192.0.2.1, {client_ip}"}
        account = {"email": unique_address("limited")}
        statuses = [
            (await client.post(f"{API}/auth/password-reset", json=account, headers=address)).status
            for _ in range(3)
        ]
        assert statuses == [202, 202, 429]
        others = [
            await client.post(
                f"{API}/auth/password-reset",
                json={"email": unique_address("other")},
                headers=address,
            )
            for _ in range(2)
        ]
        assert [r.status for r in others] == [202, 429]  # 4 counted from this client
        assert int(others[-1].headers["Retry-After"]) > 0
        assert (await error_of(others[-1]))["code"] == "rate_limited"
