"""Who may do what: every conversation endpoint against an outsider, a member, an admin
and the creator, with the status the contract names."""

import uuid

import pytest
from aiohttp.test_utils import TestClient

from tests.integration.api import API, new_user
from tests.integration.conversations_api import group_with_roles, post

ROLES = ("outsider", "member", "admin", "creator")


async def _call(client: TestClient, method: str, path: str, headers: dict, body=None) -> int:
    response = await client.request(method, f"{API}{path}", json=body, headers=headers)
    if response.status >= 400:
        payload = await response.json()
        assert set(payload["error"]) >= {"code", "message"}
    return response.status


@pytest.mark.parametrize(
    ("name", "method", "path", "body", "expected"),
    [
        ("detail", "GET", "/conversations/{id}", None, (404, 200, 200, 200)),
        ("history", "GET", "/conversations/{id}/messages", None, (404, 200, 200, 200)),
        ("one message", "GET", "/conversations/{id}/messages/{msg}", None, (404, 200, 200, 200)),
        ("post", "POST", "/conversations/{id}/messages", {"content": "hi"}, (404, 201, 201, 201)),
        ("read", "POST", "/conversations/{id}/read", {"message_id": "{msg}"}, (404, 204, 204, 204)),
        ("join private", "POST", "/conversations/{id}/join", None, (403, 204, 204, 204)),
        (
            "add member",
            "POST",
            "/conversations/{id}/members",
            {"username": "{new}"},
            (404, 403, 201, 201),
        ),
        (
            "promote",
            "PATCH",
            "/conversations/{id}/members/{member}",
            {"role": "admin"},
            (404, 403, 200, 200),
        ),
        (
            "edit others'",
            "PATCH",
            "/conversations/{id}/messages/{msg}",
            {"content": "x"},
            (404, 403, 403, 403),
        ),
    ],
)
async def test_access_matrix(client: TestClient, name, method, path, body, expected) -> None:
    for role, status in zip(ROLES, expected, strict=True):
        group = await group_with_roles(client)
        _, author_h = group["member"] if role != "member" else group["admin"]
        message = await post(client, author_h, group["id"], "by someone else")
        newcomer, _ = await new_user(client)
        values = {
            "id": group["id"],
            "msg": message["id"],
            "new": newcomer,
            "member": group["member"][0],
        }
        filled_path = path.format(**values)
        filled_body = {k: v.format(**values) for k, v in body.items()} if body else None
        _, headers = group[role]
        assert await _call(client, method, filled_path, headers, filled_body) == status, (
            name,
            role,
        )


async def test_delete_rules(client: TestClient) -> None:
    group = await group_with_roles(client)
    _, member_h = group["member"]
    _, admin_h = group["admin"]
    _, outsider_h = group["outsider"]
    by_admin = await post(client, admin_h, group["id"], "admin's")
    by_member = await post(client, member_h, group["id"], "member's")
    path = f"/conversations/{group['id']}/messages"
    assert await _call(client, "DELETE", f"{path}/{by_member['id']}", outsider_h) == 404
    assert await _call(client, "DELETE", f"{path}/{by_admin['id']}", member_h) == 403
    assert await _call(client, "DELETE", f"{path}/{by_member['id']}", admin_h) == 204
    assert await _call(client, "DELETE", f"{path}/{by_member['id']}", admin_h) == 204
    assert await _call(client, "DELETE", f"{path}/{by_admin['id']}", admin_h) == 204


async def test_unknown_and_malformed_ids_are_404(client: TestClient) -> None:
    group = await group_with_roles(client)
    _, headers = group["member"]
    for path in [
        f"/conversations/{uuid.uuid4()}",
        "/conversations/not-a-uuid",
        f"/conversations/{group['id']}/messages/{uuid.uuid1()}",
        f"/conversations/{group['id']}/messages/not-an-id",
    ]:
        assert await _call(client, "GET", path, headers) == 404, path


async def test_every_endpoint_needs_a_token(client: TestClient) -> None:
    group = await group_with_roles(client)
    for method, path in [
        ("GET", "/conversations"),
        ("POST", "/conversations"),
        ("GET", f"/conversations/{group['id']}"),
        ("GET", f"/conversations/{group['id']}/messages"),
        ("POST", f"/conversations/{group['id']}/read"),
    ]:
        response = await client.request(method, f"{API}{path}", json={})
        assert response.status == 401, path
        assert response.headers["WWW-Authenticate"] == "Bearer"
