"""Helpers for the reaction and pin endpoints."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from aiohttp.test_utils import TestClient

from tests.integration.api import API


def reaction_path(conversation_id: str, message_id: str, emoji: str) -> str:
    return (
        f"{API}/conversations/{conversation_id}/messages/{message_id}/reactions/"
        f"{quote(emoji, safe='')}"
    )


async def react(
    client: TestClient, headers: dict[str, str], conversation_id: str, message_id: str, emoji: str
) -> int:
    response = await client.put(reaction_path(conversation_id, message_id, emoji), headers=headers)
    return response.status


async def unreact(
    client: TestClient, headers: dict[str, str], conversation_id: str, message_id: str, emoji: str
) -> int:
    response = await client.delete(
        reaction_path(conversation_id, message_id, emoji), headers=headers
    )
    return response.status


async def pin(
    client: TestClient, headers: dict[str, str], conversation_id: str, message_id: str
) -> int:
    response = await client.put(
        f"{API}/conversations/{conversation_id}/pins/{message_id}", headers=headers
    )
    return response.status


async def unpin(
    client: TestClient, headers: dict[str, str], conversation_id: str, message_id: str
) -> int:
    response = await client.delete(
        f"{API}/conversations/{conversation_id}/pins/{message_id}", headers=headers
    )
    return response.status


async def pins(
    client: TestClient, headers: dict[str, str], conversation_id: str
) -> list[dict[str, Any]]:
    response = await client.get(f"{API}/conversations/{conversation_id}/pins", headers=headers)
    assert response.status == 200, await response.text()
    return (await response.json())["messages"]


def reactions_of(page: dict[str, Any], message_id: str) -> list[dict[str, Any]]:
    return next(m for m in page["messages"] if m["id"] == message_id)["reactions"]
