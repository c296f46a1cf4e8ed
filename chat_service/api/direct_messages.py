"""`/messages/send` and `/messages`: the reference service's direct-message endpoints."""

from __future__ import annotations

from aiohttp import web

from chat_service.api import render
from chat_service.api.context import RENDERER, SERVICES
from chat_service.api.json import json_response
from chat_service.api.request import caller, json_body
from chat_service.domain.ids import parse_timeuuid
from chat_service.domain.validation import bounded_int, invalid

MAX_PAGE = 1_000_000


async def send(request: web.Request) -> web.Response:
    sender = caller(request).username
    body = await json_body(request)
    message = await request.app[SERVICES].direct_messages.send(
        sender, body.get("recipient"), body.get("content"), body.get("client_message_id")
    )
    return json_response(render.message(message), status=201)


async def history(request: web.Request) -> web.Response:
    username = caller(request).username
    query = request.query
    limit = bounded_int(query.get("limit"), "limit", default=20, low=1, high=100)
    page_size = bounded_int(query.get("page_size"), "page_size", default=limit, low=1, high=100)
    page = bounded_int(query.get("page"), "page", default=1, low=1, high=MAX_PAGE)
    before = None
    if query.get("before"):
        before = parse_timeuuid(query["before"])
        if before is None:
            raise invalid("before", "must be a message id (a TIMEUUID) from nextCursor")
    result = await request.app[SERVICES].direct_messages.history(
        username, page_size, None if before else page, before
    )
    total_pages = -(-result.total // page_size)
    return json_response(
        {
            "messages": request.app[RENDERER].messages_json(result.messages),
            "pagination": {
                "currentPage": result.page,
                "pageSize": result.page_size,
                "totalMessages": result.total,
                "totalPages": total_pages,
                "nextCursor": str(result.next_cursor) if result.next_cursor else None,
            },
        }
    )
