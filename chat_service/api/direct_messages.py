"""`/messages/send` and `/messages` (the reference service's direct-message endpoints), and
`/users/me/mentions`."""

from __future__ import annotations

from aiohttp import web

from chat_service.api import render
from chat_service.api.context import CALLER, RENDERER, SERVICES
from chat_service.api.inputs import takes
from chat_service.api.json import json_response
from chat_service.api.schemas.messages import (
    DirectHistoryQuery,
    MentionsQuery,
    SendDirectMessageRequest,
)


@takes(SendDirectMessageRequest)
async def send(request: web.Request, body: SendDirectMessageRequest) -> web.Response:
    message = await request.app[SERVICES].direct_messages.send(
        request[CALLER].username,
        body.recipient,
        body.content,
        body.client_message_id,
        reply_to=body.reply_to,
    )
    return json_response(render.message(message), status=201)


@takes(DirectHistoryQuery)
async def history(request: web.Request, query: DirectHistoryQuery) -> web.Response:
    page_size = query.size
    result = await request.app[SERVICES].direct_messages.history(
        request[CALLER].username, page_size, query.page_number, query.before
    )
    return json_response(
        {
            "messages": request.app[RENDERER].messages_json(result.messages, result.marks),
            "pagination": {
                "currentPage": result.page,
                "pageSize": result.page_size,
                "totalMessages": result.total,
                "totalPages": -(-result.total // page_size),
                "nextCursor": str(result.next_cursor) if result.next_cursor else None,
            },
        }
    )


@takes(MentionsQuery)
async def mentions(request: web.Request, query: MentionsQuery) -> web.Response:
    page = await request.app[SERVICES].mentions.mentions(
        request[CALLER].username, query.before, query.limit
    )
    return json_response(
        {
            "messages": request.app[RENDERER].messages_json(page.messages, page.marks),
            "next_cursor": str(page.next_cursor) if page.next_cursor else None,
        }
    )
