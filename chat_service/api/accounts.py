"""`/auth/*` and `/users*` handlers."""

from __future__ import annotations

from aiohttp import web

from chat_service.api import render
from chat_service.api.context import CALLER, SERVICES
from chat_service.api.inputs import takes
from chat_service.api.json import json_response
from chat_service.api.schemas.accounts import (
    LoginRequest,
    RefreshRequest,
    RegisterRequest,
    UserSearchQuery,
)


@takes(RegisterRequest)
async def register(request: web.Request, body: RegisterRequest) -> web.Response:
    user = await request.app[SERVICES].accounts.register(body.username, body.password)
    return json_response(render.user(user), status=201)


@takes(LoginRequest)
async def login(request: web.Request, body: LoginRequest) -> web.Response:
    pair = await request.app[SERVICES].accounts.login(body.username, body.password)
    return json_response(render.tokens(pair))


@takes(RefreshRequest)
async def refresh(request: web.Request, body: RefreshRequest) -> web.Response:
    pair = await request.app[SERVICES].accounts.refresh(body.refresh_token)
    return json_response(render.tokens(pair))


@takes(RefreshRequest)
async def logout(request: web.Request, body: RefreshRequest) -> web.Response:
    await request.app[SERVICES].accounts.logout(body.refresh_token)
    return web.Response(status=204)


async def me(request: web.Request) -> web.Response:
    user = await request.app[SERVICES].accounts.me(request[CALLER])
    return json_response(render.user(user))


@takes(UserSearchQuery)
async def search(request: web.Request, query: UserSearchQuery) -> web.Response:
    users, next_cursor = await request.app[SERVICES].accounts.search(
        query.q, query.limit, query.cursor
    )
    return json_response(
        {
            "users": [{"id": str(user_id), "username": name} for user_id, name in users],
            "next_cursor": next_cursor,
        }
    )
