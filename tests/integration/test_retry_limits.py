"""A retry of an already stored `client_message_id` is answered without counting against
the sender's rate limits (group and direct sends alike)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from chat_service.app import create_app
from chat_service.infra.settings import Settings
from tests.integration.api import API, new_user
from tests.integration.conversations_api import create_group


@pytest.fixture(scope="module")
async def two_a_minute(migrated: Settings) -> AsyncIterator[TestClient]:
    settings = migrated.model_copy(update={"send_limit_per_minute": 2})
    async with TestClient(TestServer(create_app(settings))) as client:
        yield client


@pytest.mark.parametrize("kind", ["group", "direct"])
async def test_retries_of_a_stored_message_are_not_charged(
    two_a_minute: TestClient, kind: str
) -> None:
    client = two_a_minute
    _, headers = await new_user(client)
    bob, _ = await new_user(client)
    if kind == "group":
        group = await create_group(client, headers, [bob])
        url, body = f"{API}/conversations/{group['id']}/messages", {}
    else:
        url, body = f"{API}/messages/send", {"recipient": bob}

    async def send(content: str, key: str) -> tuple[int, str]:
        response = await client.post(
            url, json={**body, "content": content, "client_message_id": key}, headers=headers
        )
        return response.status, (await response.json()).get("id", "")

    status, first_id = await send("once", "k-1")
    assert status == 201
    for _ in range(5):
        assert await send("once", "k-1") == (201, first_id)
    status, _ = await send("twice", "k-2")
    assert status == 201
    status, _ = await send("three times", "k-3")
    assert status == 429  # the limit counted two sends, not seven
