"""Message search handlers: in one conversation (members only) and in the caller's direct
messages."""

from __future__ import annotations

from aiohttp import web

from chat_service.api.context import CALLER, RENDERER, SERVICES
from chat_service.api.inputs import takes
from chat_service.api.json import json_response
from chat_service.api.schemas.search import ConversationSearchQuery, DirectMessageSearchQuery
from chat_service.domain.timelines import TimelinePage


@takes(ConversationSearchQuery)
async def in_conversation(request: web.Request, query: ConversationSearchQuery) -> web.Response:
    page = await request.app[SERVICES].search.in_conversation(
        request[CALLER].username, query.conversation_id, query.q, query.before, query.limit
    )
    return _page(request, page)


@takes(DirectMessageSearchQuery)
async def in_direct_messages(request: web.Request, query: DirectMessageSearchQuery) -> web.Response:
    page = await request.app[SERVICES].search.in_direct_messages(
        request[CALLER].username, query.q, query.before, query.limit
    )
    return _page(request, page)


def _page(request: web.Request, page: TimelinePage) -> web.Response:
    return json_response(
        {
            "messages": request.app[RENDERER].messages_json(page.messages, page.marks),
            "next_cursor": str(page.next_cursor) if page.next_cursor else None,
        }
    )
