"""Authentication in one place: who gets through to which route, and what the others get."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from types import SimpleNamespace

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from chat_service.api.auth import ACCESS, Access, auth_middleware
from chat_service.api.context import CALLER, SERVICES
from chat_service.api.errors import error_middleware
from chat_service.domain.errors import Unauthenticated
from chat_service.services.tokens import AccessClaims

GOOD = "good-token"
ANN = AccessClaims(uuid.uuid4(), "ann")


class FakeAccounts:
    async def authenticate(self, token: str) -> AccessClaims:
        if token != GOOD:
            raise Unauthenticated("The token is invalid.")
        return ANN


async def whoami(request: web.Request) -> web.Response:
    caller = request.get(CALLER)
    return web.json_response({"caller": caller.username if caller else None})


@pytest.fixture
async def client() -> AsyncIterator[TestClient]:
    app = web.Application(middlewares=[error_middleware, auth_middleware])
    app[SERVICES] = SimpleNamespace(accounts=FakeAccounts())  # type: ignore[misc]
    access: dict[web.AbstractRoute, Access] = {}
    app[ACCESS] = access
    for path, how in [("/open", Access.PUBLIC), ("/ws", Access.BEARER_OR_QUERY)]:
        route = app.router.add_get(path, whoami)
        assert route.resource is not None
        access.update({twin: how for twin in route.resource})
    app.router.add_get("/closed", whoami)
    async with TestClient(TestServer(app)) as client:
        yield client


async def _caller(response: web.StreamResponse) -> object:
    return (await response.json())["caller"]  # type: ignore[attr-defined]


async def test_public_routes_need_no_token(client: TestClient) -> None:
    response = await client.get("/open")
    assert response.status == 200 and await _caller(response) is None
    assert (await client.head("/open")).status == 200


@pytest.mark.parametrize("header", [None, "Bearer", "Basic abc", "Bearer nope", "bearer  "])
async def test_other_routes_need_a_valid_bearer_token(client: TestClient, header: str) -> None:
    response = await client.get("/closed", headers={"Authorization": header} if header else {})
    assert response.status == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert (await response.json())["error"]["code"] == "unauthorized"
    assert (await client.head("/closed")).status == 401


async def test_the_caller_is_set_for_the_handler(client: TestClient) -> None:
    for header in (f"Bearer {GOOD}", f"bearer   {GOOD} "):
        response = await client.get("/closed", headers={"Authorization": header})
        assert response.status == 200 and await _caller(response) == "ann"


async def test_a_query_token_counts_only_where_declared(client: TestClient) -> None:
    assert (await client.get("/closed", params={"token": GOOD})).status == 401
    assert await _caller(await client.get("/ws", params={"token": GOOD})) == "ann"
    assert (await client.get("/ws", params={"token": "nope"})).status == 401
    header = {"Authorization": f"Bearer {GOOD}"}
    assert (await client.get("/ws", headers=header)).status == 200


async def test_unknown_paths_and_methods_are_not_401(client: TestClient) -> None:
    missing = await client.get("/nowhere")
    assert missing.status == 404 and (await missing.json())["error"]["code"] == "not_found"
    assert (await client.post("/closed")).status == 405
