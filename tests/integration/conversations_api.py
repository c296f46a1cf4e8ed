"""Helpers for the conversation endpoints."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.integration.api import API, new_user


async def create_group(
    client: TestClient, headers: dict[str, str], members: list[str], **extra: Any
) -> dict[str, Any]:
    body = {"name": extra.pop("name", "Team"), "members": members, **extra}
    response = await client.post(f"{API}/conversations", json=body, headers=headers)
    assert response.status == 201, await response.text()
    return await response.json()


async def post(
    client: TestClient, headers: dict[str, str], conversation_id: str, content: str, **extra: Any
) -> dict[str, Any]:
    response = await client.post(
        f"{API}/conversations/{conversation_id}/messages",
        json={"content": content, **extra},
        headers=headers,
    )
    assert response.status == 201, await response.text()
    return await response.json()


async def history(
    client: TestClient, headers: dict[str, str], conversation_id: str, **params: Any
) -> dict[str, Any]:
    response = await client.get(
        f"{API}/conversations/{conversation_id}/messages",
        params={k: str(v) for k, v in params.items()},
        headers=headers,
    )
    assert response.status == 200, await response.text()
    return await response.json()


async def conversation_list(
    client: TestClient, headers: dict[str, str], **params: Any
) -> dict[str, Any]:
    response = await client.get(
        f"{API}/conversations", params={k: str(v) for k, v in params.items()}, headers=headers
    )
    assert response.status == 200, await response.text()
    return await response.json()


async def group_with_roles(client: TestClient) -> dict[str, Any]:
    """A private group with a creator, a second admin and a member, and an outsider."""
    creator, creator_h = await new_user(client, "cre")
    admin, admin_h = await new_user(client, "adm")
    member, member_h = await new_user(client, "mem")
    outsider, outsider_h = await new_user(client, "out")
    group = await create_group(client, creator_h, [admin, member], is_private=True)
    promoted = await client.patch(
        f"{API}/conversations/{group['id']}/members/{admin}",
        json={"role": "admin"},
        headers=creator_h,
    )
    assert promoted.status == 200
    return {
        "id": group["id"],
        "creator": (creator, creator_h),
        "admin": (admin, admin_h),
        "member": (member, member_h),
        "outsider": (outsider, outsider_h),
    }
