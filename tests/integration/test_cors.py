"""CORS_ORIGINS: browsers on the listed origins may call the API; nothing changes without it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from chat_service.app import create_app
from chat_service.infra.settings import Settings, load_settings
from tests.integration.api import API

ALLOWED = "https://chat.example.com"


@pytest.fixture(scope="module")
async def cors_client(migrated: Settings) -> AsyncIterator[TestClient]:
    settings = migrated.model_copy(update={"cors_origins": (ALLOWED,)})
    async with TestClient(TestServer(create_app(settings))) as client:
        yield client


async def test_a_preflight_from_an_allowed_origin_is_answered(cors_client: TestClient) -> None:
    response = await cors_client.options(
        f"{API}/messages/send",
        headers={
            "Origin": ALLOWED,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert response.status == 204
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "Authorization" in response.headers["Access-Control-Allow-Headers"]
    assert response.headers["Vary"] == "Origin"


async def test_an_allowed_origin_reads_answers_and_errors(cors_client: TestClient) -> None:
    for path, status in ((f"{API}/health", 200), (f"{API}/users/me", 401)):
        response = await cors_client.get(path, headers={"Origin": ALLOWED})
        assert response.status == status
        assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
        assert "WWW-Authenticate" in response.headers["Access-Control-Expose-Headers"]


async def test_another_origin_gets_no_cors_headers(cors_client: TestClient) -> None:
    response = await cors_client.get(f"{API}/health", headers={"Origin": "https://evil.example"})
    assert response.status == 200
    assert "Access-Control-Allow-Origin" not in response.headers
    preflight = await cors_client.options(
        f"{API}/messages/send",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "Access-Control-Allow-Origin" not in preflight.headers


async def test_without_the_setting_nothing_is_added(client: TestClient) -> None:
    response = await client.get(f"{API}/health", headers={"Origin": ALLOWED})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_the_setting_is_a_comma_separated_list() -> None:
    parsed = load_settings(
        app_env="test", cors_origins=" https://a.example/ ,https://b.example,"
    ).cors_origins
    assert parsed == ("https://a.example", "https://b.example")
