"""Mentions: parsed at send and edit time (members only), `mention_count` of unread mentions
in the conversation list, and `GET /users/me/mentions` newest first."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.integration.api import API, new_user, send_dm
from tests.integration.conversations_api import conversation_list, create_group, post


async def _mentions(client: TestClient, headers, **params: Any) -> dict[str, Any]:
    response = await client.get(
        f"{API}/users/me/mentions", params={k: str(v) for k, v in params.items()}, headers=headers
    )
    assert response.status == 200, await response.text()
    return await response.json()


def _item(listing: dict[str, Any], conversation_id: str) -> dict[str, Any]:
    return next(c for c in listing["conversations"] if c["id"] == conversation_id)


async def test_members_are_mentioned_case_insensitively(client: TestClient) -> None:
    ann, ann_h = await new_user(client)
    bob, _bob_h = await new_user(client)
    eve, _ = await new_user(client)
    group = await create_group(client, ann_h, [bob])
    message = await post(
        client, ann_h, group["id"], f"hi @{bob.upper()}, @{eve} and mail {bob}@example.com."
    )
    assert message["mentions"] == [bob]
    edited = await client.patch(
        f"{API}/conversations/{group['id']}/messages/{message['id']}",
        json={"content": f"@{ann} @{bob}."},
        headers=ann_h,
    )
    assert (await edited.json())["mentions"] == [ann, bob]
    direct = await send_dm(client, ann_h, bob, f"@{bob} psst")
    assert direct["mentions"] == [bob]


async def test_mention_count_counts_unread_mentions_only(client: TestClient) -> None:
    _ann, ann_h = await new_user(client)
    bob, bob_h = await new_user(client)
    group = await create_group(client, ann_h, [bob])
    first = await post(client, ann_h, group["id"], f"@{bob} one")
    await post(client, ann_h, group["id"], "no mention")
    item = _item(await conversation_list(client, bob_h), group["id"])
    assert (item["unread_count"], item["mention_count"]) == (2, 1)
    read = await client.post(
        f"{API}/conversations/{group['id']}/read", json={"message_id": first["id"]}, headers=bob_h
    )
    assert read.status == 204
    item = _item(await conversation_list(client, bob_h), group["id"])
    assert (item["unread_count"], item["mention_count"]) == (1, 0)
    last = await post(client, ann_h, group["id"], f"@{bob} two @{bob} again")
    await post(client, bob_h, group["id"], f"@{bob} talking to myself")
    item = _item(await conversation_list(client, bob_h), group["id"])
    assert item["mention_count"] == 0  # bob's own message moved his marker past everything
    await post(client, ann_h, group["id"], f"@{bob} three")
    item = _item(await conversation_list(client, bob_h), group["id"])
    assert (item["unread_count"], item["mention_count"]) == (1, 1)
    assert _item(await conversation_list(client, ann_h), group["id"])["mention_count"] == 0
    assert last["mentions"] == [bob]


async def test_my_mentions_newest_first_without_deleted_or_left(client: TestClient) -> None:
    _ann, ann_h = await new_user(client)
    bob, bob_h = await new_user(client)
    group = await create_group(client, ann_h, [bob])
    other = await create_group(client, ann_h, [bob])
    sent = [await post(client, ann_h, group["id"], f"@{bob} {i}") for i in range(5)]
    in_other = await post(client, ann_h, other["id"], f"@{bob} elsewhere")
    await post(client, ann_h, group["id"], "nobody")
    first = await _mentions(client, bob_h, limit=3)
    assert [m["id"] for m in first["messages"]] == [in_other["id"], sent[4]["id"], sent[3]["id"]]
    rest = await _mentions(client, bob_h, limit=3, before=first["next_cursor"])
    assert [m["id"] for m in rest["messages"]] == [m["id"] for m in sent[2::-1]]
    assert rest["next_cursor"] is None
    deleted = await client.delete(
        f"{API}/conversations/{group['id']}/messages/{sent[4]['id']}", headers=ann_h
    )
    assert deleted.status == 204
    edited = await client.patch(
        f"{API}/conversations/{group['id']}/messages/{sent[3]['id']}",
        json={"content": "no longer"},
        headers=ann_h,
    )
    assert edited.status == 200
    left = await client.delete(f"{API}/conversations/{other['id']}/members/{bob}", headers=bob_h)
    assert left.status == 204
    now = await _mentions(client, bob_h)
    assert [m["id"] for m in now["messages"]] == [m["id"] for m in sent[2::-1]]
    assert (await _mentions(client, ann_h))["messages"] == []


async def test_mentions_query_is_validated(client: TestClient) -> None:
    _, headers = await new_user(client)
    for params in ({"limit": "0"}, {"limit": "101"}, {"before": "nope"}):
        response = await client.get(f"{API}/users/me/mentions", params=params, headers=headers)
        assert response.status == 400
