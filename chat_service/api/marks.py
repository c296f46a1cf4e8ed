"""Reactions and pins handlers."""

from __future__ import annotations

from aiohttp import web

from chat_service.api.context import CALLER, RENDERER, SERVICES
from chat_service.api.inputs import takes
from chat_service.api.json import json_response
from chat_service.api.schemas.conversations import ConversationRef
from chat_service.api.schemas.marks import PinRef, ReactionRef, ReactorsQuery


def _me(request: web.Request) -> str:
    return request[CALLER].username


@takes(ReactionRef)
async def react(request: web.Request, ref: ReactionRef) -> web.Response:
    await request.app[SERVICES].reactions.react(
        _me(request), ref.conversation_id, ref.message_id, ref.emoji
    )
    return web.Response(status=204)


@takes(ReactionRef)
async def unreact(request: web.Request, ref: ReactionRef) -> web.Response:
    await request.app[SERVICES].reactions.unreact(
        _me(request), ref.conversation_id, ref.message_id, ref.emoji
    )
    return web.Response(status=204)


@takes(ReactorsQuery)
async def reactors(request: web.Request, query: ReactorsQuery) -> web.Response:
    users, next_cursor = await request.app[SERVICES].reactions.reactors(
        _me(request), query.conversation_id, query.message_id, query.emoji, query.limit,
        query.cursor,
    )  # fmt: skip
    return json_response({"users": users, "next_cursor": next_cursor})


@takes(PinRef)
async def pin(request: web.Request, ref: PinRef) -> web.Response:
    await request.app[SERVICES].pins.pin(_me(request), ref.conversation_id, ref.message_id)
    return web.Response(status=204)


@takes(PinRef)
async def unpin(request: web.Request, ref: PinRef) -> web.Response:
    await request.app[SERVICES].pins.unpin(_me(request), ref.conversation_id, ref.message_id)
    return web.Response(status=204)


@takes(ConversationRef)
async def pins(request: web.Request, ref: ConversationRef) -> web.Response:
    messages, marks = await request.app[SERVICES].pins.pinned(_me(request), ref.conversation_id)
    return json_response({"messages": request.app[RENDERER].messages_json(messages, marks)})
