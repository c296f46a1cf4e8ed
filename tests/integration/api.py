"""Small helpers for talking to the service over HTTP in tests."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.conftest import unique_name

API = "/api/v1"
PASSWORD = "correct horse battery"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def register(
    client: TestClient, username: str | None = None, password: str = PASSWORD
) -> str:
    name = username or unique_name()
    response = await client.post(
        f"{API}/auth/register", json={"username": name, "password": password}
    )
    assert response.status == 201, await response.text()
    return (await response.json())["username"]


async def login(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, Any]:
    response = await client.post(
        f"{API}/auth/login", json={"username": username, "password": password}
    )
    assert response.status == 200, await response.text()
    return await response.json()


async def new_user(client: TestClient, prefix: str = "u") -> tuple[str, dict[str, str]]:
    """A registered user and the headers that authenticate as them."""
    name = await register(client, unique_name(prefix))
    tokens = await login(client, name)
    return name, bearer(tokens["token"])


async def send_dm(
    client: TestClient, headers: dict[str, str], recipient: str, content: str, **extra: Any
) -> dict[str, Any]:
    response = await client.post(
        f"{API}/messages/send",
        json={"recipient": recipient, "content": content, **extra},
        headers=headers,
    )
    assert response.status == 201, await response.text()
    return await response.json()


async def error_of(response: Any) -> dict[str, Any]:
    """The contract's error object, checking its shape on the way."""
    assert response.content_type == "application/json"
    body = await response.json()
    assert set(body) == {"error"}
    assert isinstance(body["error"]["code"], str) and isinstance(body["error"]["message"], str)
    return body["error"]
