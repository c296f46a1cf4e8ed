"""Accounts by email against the real stores and Mailpit: registering with an address,
verifying it and resetting a password through the links of the mail actually sent."""

from __future__ import annotations

import asyncio
import uuid

from aiohttp import WSMsgType
from aiohttp.test_utils import TestClient, TestServer

from chat_service.app import create_app
from chat_service.infra.settings import Settings
from tests.conftest import unique_name
from tests.integration.api import API, PASSWORD, bearer, error_of, login
from tests.integration.mailpit import messages_to, token_in, wait_for_mail

NEW_PASSWORD = "a brand new password"


def unique_address(prefix: str = "mail") -> str:
    return f"{prefix}.{uuid.uuid4().hex[:12]}@example.com"


async def register_with_email(client: TestClient, email: str) -> str:
    name = unique_name("em")
    response = await client.post(
        f"{API}/auth/register", json={"username": name, "password": PASSWORD, "email": email}
    )
    assert response.status == 201, await response.text()
    body = await response.json()
    assert body["email"] == email.lower()
    return name


async def me(client: TestClient, token: str) -> dict[str, object]:
    response = await client.get(f"{API}/users/me", headers=bearer(token))
    assert response.status == 200, await response.text()
    return await response.json()


async def test_register_receive_the_verification_mail_and_verify(client: TestClient) -> None:
    email = unique_address("Verify")
    name = await register_with_email(client, email.upper())
    tokens = await login(client, name)
    account = await me(client, tokens["token"])
    assert set(account) == {"id", "username", "created_at", "email", "email_verified"}
    assert (account["email"], account["email_verified"]) == (email.lower(), False)
    (mail,) = await wait_for_mail(email.lower())
    assert mail["Subject"] == "Confirm your email address"
    token = token_in(mail, "verify")

    verified = await client.post(f"{API}/auth/verify-email", json={"token": token})
    assert verified.status == 204, await verified.text()
    assert (await me(client, tokens["token"]))["email_verified"] is True

    again = await client.post(f"{API}/auth/verify-email", json={"token": token})
    assert again.status == 400
    assert (await error_of(again))["code"] == "invalid_token"


async def test_a_reset_ends_every_session_and_its_link_works_once(client: TestClient) -> None:
    email = unique_address("reset")
    name = await register_with_email(client, email)
    before = await login(client, name)
    socket = await client.ws_connect(f"/ws?token={before['token']}")

    asked = await client.post(f"{API}/auth/password-reset", json={"email": email.upper()})
    assert asked.status == 202
    mail = next(m for m in await wait_for_mail(email, 2) if m["Subject"] == "Reset your password")
    token = token_in(mail, "reset")
    confirmed = await client.post(
        f"{API}/auth/password-reset/confirm", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert confirmed.status == 204, await confirmed.text()

    closed = await asyncio.wait_for(socket.receive(), 10)
    assert (closed.type, closed.data, closed.extra) == (WSMsgType.CLOSE, 4001, "session ended")
    old_password = await client.post(
        f"{API}/auth/login", json={"username": name, "password": PASSWORD}
    )
    assert old_password.status == 401
    old_refresh = await client.post(
        f"{API}/auth/refresh", json={"refresh_token": before["refresh_token"]}
    )
    assert old_refresh.status == 401
    old_access = await client.get(f"{API}/users/me", headers=bearer(before["token"]))
    assert old_access.status == 401
    assert old_access.headers["WWW-Authenticate"].startswith("Bearer")

    after = await login(client, name, NEW_PASSWORD)
    assert (await me(client, after["token"]))["email_verified"] is True  # the link proved it
    again = await client.post(
        f"{API}/auth/password-reset/confirm", json={"token": token, "new_password": PASSWORD}
    )
    assert again.status == 400
    assert (await error_of(again))["code"] == "invalid_token"
    await login(client, name, NEW_PASSWORD)


async def test_a_reset_by_username_reaches_the_accounts_address(client: TestClient) -> None:
    email = unique_address("byname")
    name = await register_with_email(client, email)
    asked = await client.post(f"{API}/auth/password-reset", json={"username": name.upper()})
    assert asked.status == 202
    mails = await wait_for_mail(email, 2)
    assert {m["Subject"] for m in mails} == {"Confirm your email address", "Reset your password"}


async def test_a_second_reset_link_is_useless_once_one_was_used(client: TestClient) -> None:
    email = unique_address("twice")
    name = await register_with_email(client, email)
    for _ in range(2):
        response = await client.post(f"{API}/auth/password-reset", json={"email": email})
        assert response.status == 202
    resets = [m for m in await wait_for_mail(email, 3) if m["Subject"] == "Reset your password"]
    first, second = (token_in(m, "reset") for m in resets)
    used = await client.post(
        f"{API}/auth/password-reset/confirm", json={"token": first, "new_password": NEW_PASSWORD}
    )
    assert used.status == 204
    stale = await client.post(
        f"{API}/auth/password-reset/confirm", json={"token": second, "new_password": PASSWORD}
    )
    assert stale.status == 400
    await login(client, name, NEW_PASSWORD)


async def test_a_reset_for_an_unknown_address_answers_202_and_sends_nothing(
    client: TestClient,
) -> None:
    unknown, known = unique_address("nobody"), unique_address("somebody")
    await register_with_email(client, known)
    for body in ({"email": unknown}, {"username": unique_name("ghost")}):
        response = await client.post(f"{API}/auth/password-reset", json=body)
        assert response.status == 202
        assert await response.read() == b""
    # The outbox sends oldest first: once mail queued after these requests has arrived, a
    # mail for the unknown address would have too.
    await client.post(f"{API}/auth/password-reset", json={"email": known})
    await wait_for_mail(known, 2)
    assert await messages_to(unknown) == []


async def test_a_verification_token_is_no_reset_token(client: TestClient) -> None:
    email = unique_address("purpose")
    name = await register_with_email(client, email)
    (mail,) = await wait_for_mail(email)
    token = token_in(mail, "verify")
    response = await client.post(
        f"{API}/auth/password-reset/confirm", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert response.status == 400
    await login(client, name)  # the password is unchanged
    verified = await client.post(f"{API}/auth/verify-email", json={"token": token})
    assert verified.status == 204  # and the token was not spent by the wrong call


async def test_expired_tokens_fail(migrated: Settings) -> None:
    short = migrated.model_copy(update={"email_verification_ttl_s": 1, "password_reset_ttl_s": 1})
    async with TestClient(TestServer(create_app(short))) as client:
        email = unique_address("expiry")
        await register_with_email(client, email)
        await client.post(f"{API}/auth/password-reset", json={"email": email})
        mails = await wait_for_mail(email, 2)
        verify = token_in(next(m for m in mails if "verify-email" in m["Text"]), "verify")
        reset = token_in(next(m for m in mails if "reset-password" in m["Text"]), "reset")
        await asyncio.sleep(1.5)  # past both expiries (the settings' shortest)
        late_verify = await client.post(f"{API}/auth/verify-email", json={"token": verify})
        late_reset = await client.post(
            f"{API}/auth/password-reset/confirm",
            json={"token": reset, "new_password": NEW_PASSWORD},
        )
        assert late_verify.status == late_reset.status == 400
        assert (await error_of(late_verify))["code"] == "invalid_token"


async def test_of_ten_concurrent_registrations_with_one_address_one_wins(
    client: TestClient,
) -> None:
    email = unique_address("race")
    responses = await asyncio.gather(
        *(
            client.post(
                f"{API}/auth/register",
                json={"username": unique_name("race"), "password": PASSWORD, "email": email},
            )
            for _ in range(10)
        )
    )
    assert sorted(r.status for r in responses) == [201] + [409] * 9
    codes = {(await error_of(r))["code"] for r in responses if r.status == 409}
    assert codes == {"email_taken"}


async def test_an_address_is_released_when_the_username_was_taken(client: TestClient) -> None:
    taken = unique_name("taken")
    first = await client.post(
        f"{API}/auth/register", json={"username": taken, "password": PASSWORD}
    )
    assert first.status == 201
    email = unique_address("released")
    clash = await client.post(
        f"{API}/auth/register", json={"username": taken, "password": PASSWORD, "email": email}
    )
    assert clash.status == 409
    assert (await error_of(clash))["code"] == "username_taken"
    await register_with_email(client, email)


async def test_bad_addresses_and_reset_bodies_are_400(client: TestClient) -> None:
    for body in (
        {"username": unique_name(), "password": PASSWORD, "email": "not-an-address"},
        {"username": unique_name(), "password": PASSWORD, "email": "é@example.com"},
        {"username": unique_name(), "password": PASSWORD, "email": 5},
    ):
        response = await client.post(f"{API}/auth/register", json=body)
        assert response.status == 400
        assert "email" in (await error_of(response))["details"]
    for body in ({}, {"email": unique_address(), "username": unique_name()}):
        response = await client.post(f"{API}/auth/password-reset", json=body)
        assert response.status == 400
