"""What users are doing now: `POST /conversations/{id}/typing` and `GET /users/presence`."""

from __future__ import annotations

from aiohttp import web

from chat_service.api import render
from chat_service.api.context import CALLER, SERVICES
from chat_service.api.inputs import takes
from chat_service.api.json import json_response
from chat_service.api.schemas.conversations import ConversationRef
from chat_service.api.schemas.presence import PresenceQuery


@takes(ConversationRef)
async def typing(request: web.Request, ref: ConversationRef) -> web.Response:
    await request.app[SERVICES].typing.signal(request[CALLER].username, ref.conversation_id)
    return web.Response(status=204)


@takes(PresenceQuery)
async def presence(request: web.Request, query: PresenceQuery) -> web.Response:
    found = await request.app[SERVICES].presence.read(query.distinct())
    return json_response({"presence": [render.presence(item) for item in found]})
