"""A group is never left without an admin: the longest-standing member takes over when
the last admin leaves, is removed or is demoted, also when two admins leave at once."""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestClient

from tests.integration.api import API, new_user
from tests.integration.conversations_api import create_group


async def _roles(client: TestClient, headers: dict[str, str], room: str) -> dict[str, str]:
    response = await client.get(f"{API}/conversations/{room}", headers=headers)
    assert response.status == 200, await response.text()
    return {m["username"]: m["role"] for m in (await response.json())["members"]}


async def _leave(client: TestClient, headers: dict[str, str], room: str, name: str) -> int:
    response = await client.delete(f"{API}/conversations/{room}/members/{name}", headers=headers)
    return response.status


async def test_the_longest_standing_member_takes_over_from_the_last_admin(
    client: TestClient,
) -> None:
    creator, creator_h = await new_user(client, "cre")
    early, early_h = await new_user(client, "ear")
    late, late_h = await new_user(client, "lat")
    group = await create_group(client, creator_h, [early])
    added = await client.post(
        f"{API}/conversations/{group['id']}/members", json={"username": late}, headers=creator_h
    )
    assert added.status == 201
    assert await _leave(client, creator_h, group["id"], creator) == 204
    assert await _roles(client, late_h, group["id"]) == {early: "admin", late: "member"}
    demoted = await client.patch(
        f"{API}/conversations/{group['id']}/members/{early}",
        json={"role": "member"},
        headers=early_h,
    )
    assert demoted.status == 200
    assert await _roles(client, late_h, group["id"]) == {early: "member", late: "admin"}


async def test_two_admins_leaving_at_once_leave_one_admin(client: TestClient) -> None:
    creator, creator_h = await new_user(client, "cre")
    second, second_h = await new_user(client, "sec")
    rest = [await new_user(client) for _ in range(3)]
    group = await create_group(client, creator_h, [second, *(n for n, _ in rest)])
    promoted = await client.patch(
        f"{API}/conversations/{group['id']}/members/{second}",
        json={"role": "admin"},
        headers=creator_h,
    )
    assert promoted.status == 200
    statuses = await asyncio.gather(
        _leave(client, creator_h, group["id"], creator),
        _leave(client, second_h, group["id"], second),
    )
    assert statuses == [204, 204]
    roles = await _roles(client, rest[0][1], group["id"])
    assert list(roles.values()).count("admin") == 1
    # Everyone left joined at the group's creation: the tie goes to the first name.
    assert roles[min(roles)] == "admin"
