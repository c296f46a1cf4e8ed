"""`/auth/*` and `/users*` handlers."""

from __future__ import annotations

from aiohttp import web

from chat_service.api import render
from chat_service.api.context import SERVICES
from chat_service.api.json import json_response
from chat_service.api.request import caller, json_body
from chat_service.domain.validation import bounded_int


async def register(request: web.Request) -> web.Response:
    body = await json_body(request)
    user = await request.app[SERVICES].accounts.register(body.get("username"), body.get("password"))
    return json_response(render.user(user), status=201)


async def login(request: web.Request) -> web.Response:
    body = await json_body(request)
    pair = await request.app[SERVICES].accounts.login(body.get("username"), body.get("password"))
    return json_response(render.tokens(pair))


async def refresh(request: web.Request) -> web.Response:
    body = await json_body(request)
    pair = await request.app[SERVICES].accounts.refresh(body.get("refresh_token"))
    return json_response(render.tokens(pair))


async def logout(request: web.Request) -> web.Response:
    body = await json_body(request)
    await request.app[SERVICES].accounts.logout(body.get("refresh_token"))
    return web.Response(status=204)


async def me(request: web.Request) -> web.Response:
    user = await request.app[SERVICES].accounts.me(caller(request))
    return json_response(render.user(user))


async def search(request: web.Request) -> web.Response:
    caller(request)
    query = request.query
    limit = bounded_int(query.get("limit"), "limit", default=20, low=1, high=100)
    users, next_cursor = await request.app[SERVICES].accounts.search(
        query.get("q", ""), limit, query.get("cursor")
    )
    return json_response(
        {
            "users": [{"id": str(user_id), "username": name} for user_id, name in users],
            "next_cursor": next_cursor,
        }
    )
