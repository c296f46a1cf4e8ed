"""No password, token or message content ever appears in a log line, and every request
logs one JSON line with its request id, route, status and duration."""

import json

from aiohttp.test_utils import TestClient, TestServer

from chat_service.app import create_app
from chat_service.infra.logging import configure_logging
from chat_service.infra.settings import Settings
from tests.conftest import unique_name
from tests.integration.api import API

PASSWORD = "pa55word-that-must-not-leak"
CONTENT = "message text that must not leak 9c1e"


async def test_a_scripted_session_leaks_no_secret(migrated: Settings, capfd) -> None:
    configure_logging("INFO", "json")
    try:
        async with TestClient(TestServer(create_app(migrated))) as client:
            ann, bob = unique_name(), unique_name()
            for name in (ann, bob):
                await client.post(
                    f"{API}/auth/register", json={"username": name, "password": PASSWORD}
                )
            login = await (
                await client.post(f"{API}/auth/login", json={"username": ann, "password": PASSWORD})
            ).json()
            headers = {"Authorization": f"Bearer {login['token']}"}
            await client.post(
                f"{API}/auth/login", json={"username": ann, "password": PASSWORD + "x"}
            )
            refreshed = await (
                await client.post(
                    f"{API}/auth/refresh", json={"refresh_token": login["refresh_token"]}
                )
            ).json()
            await client.post(
                f"{API}/messages/send", json={"recipient": bob, "content": CONTENT}, headers=headers
            )
            await client.get(f"{API}/messages", headers=headers)
            await client.get(f"{API}/users/me", headers={"Authorization": "Bearer forged.token.x"})
        captured = capfd.readouterr().out
    finally:
        configure_logging(migrated.log_level, "json")
    secrets = [PASSWORD, CONTENT, login["token"], login["refresh_token"], refreshed["token"],
               refreshed["refresh_token"], "forged.token.x"]  # fmt: skip
    for secret in secrets:
        assert secret not in captured
    requests = [
        json.loads(line) for line in captured.splitlines()
        if line.startswith("{") and '"event":"request"' in line
    ]  # fmt: skip
    assert len(requests) == 8
    for line in requests:
        assert {"request_id", "route", "status", "duration_ms", "method"} <= set(line)
        assert "{" in line["route"] or line["route"].startswith("/api/v1/")
    assert any(line["user_id"] for line in requests)
