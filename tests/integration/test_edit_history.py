"""Edit history: every earlier text kept, oldest first with the current one last, readable by
members only, and erased with the message."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from tests.integration.api import API, new_user
from tests.integration.conversations_api import create_group, post


async def _versions(client: TestClient, headers, conversation_id: str, message_id: str):
    response = await client.get(
        f"{API}/conversations/{conversation_id}/messages/{message_id}/history", headers=headers
    )
    return response.status, (await response.json() if response.status == 200 else None)


async def test_three_edits_make_four_versions_and_a_delete_none(client: TestClient) -> None:
    _, ann_h = await new_user(client)
    bob, bob_h = await new_user(client)
    _, eve_h = await new_user(client)
    group = await create_group(client, ann_h, [bob])
    message = await post(client, ann_h, group["id"], "v0")
    status, body = await _versions(client, bob_h, group["id"], message["id"])
    assert status == 200 and [v["content"] for v in body["versions"]] == ["v0"]
    assert body["versions"][0]["edited_at"] == message["timestamp"][:23] + "000000Z"
    edited_at = []
    for text in ("v1", "v2", "v3"):
        response = await client.patch(
            f"{API}/conversations/{group['id']}/messages/{message['id']}",
            json={"content": text},
            headers=ann_h,
        )
        assert response.status == 200
        edited_at.append((await response.json())["edited_at"])
    status, body = await _versions(client, bob_h, group["id"], message["id"])
    assert [v["content"] for v in body["versions"]] == ["v0", "v1", "v2", "v3"]
    assert [v["edited_at"] for v in body["versions"][1:]] == edited_at
    assert (await _versions(client, eve_h, group["id"], message["id"]))[0] == 404
    deleted = await client.delete(
        f"{API}/conversations/{group['id']}/messages/{message['id']}", headers=ann_h
    )
    assert deleted.status == 204
    assert await _versions(client, bob_h, group["id"], message["id"]) == (200, {"versions": []})


async def test_history_of_an_unknown_message_is_404(client: TestClient) -> None:
    _, ann_h = await new_user(client)
    group = await create_group(client, ann_h, [])
    other = await create_group(client, ann_h, [])
    message = await post(client, ann_h, other["id"], "elsewhere")
    assert (await _versions(client, ann_h, group["id"], message["id"]))[0] == 404
