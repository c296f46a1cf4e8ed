"""`/conversations*` handlers."""

from __future__ import annotations

import uuid

from aiohttp import web

from chat_service.api import render
from chat_service.api.context import RENDERER, SERVICES
from chat_service.api.json import json_response
from chat_service.api.request import caller, json_body
from chat_service.domain.errors import NotFound
from chat_service.domain.ids import parse_timeuuid
from chat_service.domain.validation import bounded_int, invalid, message_id

LIST_DEFAULT, LIST_MAX = 20, 100
HISTORY_DEFAULT, HISTORY_MAX = 50, 100


def _conversation_id(request: web.Request) -> uuid.UUID:
    """A malformed id names no conversation: 404, like one that does not exist."""
    try:
        return uuid.UUID(request.match_info["conversation_id"])
    except ValueError:
        raise NotFound("The conversation does not exist.") from None


def _message_id(request: web.Request) -> uuid.UUID:
    parsed = parse_timeuuid(request.match_info["message_id"])
    if parsed is None:
        raise NotFound("The message does not exist.", code="message_not_found")
    return parsed


def _optional_id(request: web.Request, name: str) -> uuid.UUID | None:
    raw = request.query.get(name)
    return message_id(raw, name) if raw else None


async def list_conversations(request: web.Request) -> web.Response:
    me = caller(request).username
    query = request.query
    limit = bounded_int(query.get("limit"), "limit", LIST_DEFAULT, 1, LIST_MAX)
    q = query.get("q", "")
    if len(q) > 100:
        raise invalid("q", "must be at most 100 characters")
    items, next_cursor = await request.app[SERVICES].conversations.list(
        me, limit, query.get("cursor"), q
    )
    return json_response(
        {"conversations": [render.summary(item) for item in items], "next_cursor": next_cursor}
    )


async def create(request: web.Request) -> web.Response:
    me = caller(request).username
    body = await json_body(request)
    detail = await request.app[SERVICES].conversations.create_group(
        me, body.get("name"), body.get("members", []), body.get("is_private", False)
    )
    return json_response(render.conversation(detail.conversation, detail.members), status=201)


async def get(request: web.Request) -> web.Response:
    me = caller(request).username
    detail = await request.app[SERVICES].conversations.detail(me, _conversation_id(request))
    return json_response(render.conversation(detail.conversation, detail.members))


async def join(request: web.Request) -> web.Response:
    me = caller(request).username
    await request.app[SERVICES].conversations.join(me, _conversation_id(request))
    return web.Response(status=204)


async def add_member(request: web.Request) -> web.Response:
    me = caller(request).username
    body = await json_body(request)
    member = await request.app[SERVICES].conversations.add_member(
        me, _conversation_id(request), body.get("username")
    )
    return json_response(render.member(member), status=201)


async def set_role(request: web.Request) -> web.Response:
    me = caller(request).username
    body = await json_body(request)
    member = await request.app[SERVICES].conversations.set_role(
        me, _conversation_id(request), request.match_info["username"], body.get("role")
    )
    return json_response(render.member(member))


async def remove_member(request: web.Request) -> web.Response:
    me = caller(request).username
    await request.app[SERVICES].conversations.remove_member(
        me, _conversation_id(request), request.match_info["username"]
    )
    return web.Response(status=204)


async def history(request: web.Request) -> web.Response:
    me = caller(request).username
    conversation_id = _conversation_id(request)
    query = request.query
    limit = bounded_int(query.get("limit"), "limit", HISTORY_DEFAULT, 1, HISTORY_MAX)
    anchors = {name: _optional_id(request, name) for name in ("before", "after", "around")}
    if sum(value is not None for value in anchors.values()) > 1:
        raise invalid("before", "use at most one of before, after and around")
    page = await request.app[SERVICES].conversations.history(me, conversation_id, limit, **anchors)
    return json_response(
        {
            "messages": request.app[RENDERER].messages_json(page.messages),
            "next_cursor": str(page.next_cursor) if page.next_cursor else None,
        }
    )


async def get_message(request: web.Request) -> web.Response:
    me = caller(request).username
    message = await request.app[SERVICES].conversations.message(
        me, _conversation_id(request), _message_id(request)
    )
    return json_response(render.message(message))


async def post_message(request: web.Request) -> web.Response:
    me = caller(request).username
    conversation_id = _conversation_id(request)
    body = await json_body(request)
    message = await request.app[SERVICES].conversations.post(
        me,
        conversation_id,
        body.get("content"),
        body.get("client_message_id"),
        body.get("attachment"),
    )
    return json_response(render.message(message), status=201)


async def edit_message(request: web.Request) -> web.Response:
    me = caller(request).username
    conversation_id, message = _conversation_id(request), _message_id(request)
    body = await json_body(request)
    edited = await request.app[SERVICES].conversations.edit(
        me, conversation_id, message, body.get("content")
    )
    return json_response(render.message(edited))


async def delete_message(request: web.Request) -> web.Response:
    me = caller(request).username
    await request.app[SERVICES].conversations.delete(
        me, _conversation_id(request), _message_id(request)
    )
    return web.Response(status=204)


async def mark_read(request: web.Request) -> web.Response:
    me = caller(request).username
    conversation_id = _conversation_id(request)
    body = await json_body(request)
    await request.app[SERVICES].conversations.mark_read(me, conversation_id, body.get("message_id"))
    return web.Response(status=204)
