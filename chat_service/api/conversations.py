"""`/conversations*` handlers."""

from __future__ import annotations

from aiohttp import web

from chat_service.api import render
from chat_service.api.context import CALLER, RENDERER, SERVICES
from chat_service.api.inputs import takes
from chat_service.api.json import json_response
from chat_service.api.schemas.conversations import (
    AddMemberRequest,
    ConversationListQuery,
    ConversationRef,
    CreateGroupRequest,
    EditMessageRequest,
    HistoryQuery,
    MarkReadRequest,
    MemberRef,
    MessageRef,
    PostMessageRequest,
    SetRoleRequest,
)


def _me(request: web.Request) -> str:
    return request[CALLER].username


@takes(ConversationListQuery)
async def list_conversations(request: web.Request, query: ConversationListQuery) -> web.Response:
    items, next_cursor = await request.app[SERVICES].inbox.list(
        _me(request), query.limit, query.cursor, query.q
    )
    return json_response(
        {"conversations": [render.summary(item) for item in items], "next_cursor": next_cursor}
    )


@takes(CreateGroupRequest)
async def create(request: web.Request, body: CreateGroupRequest) -> web.Response:
    detail = await request.app[SERVICES].membership.create_group(
        _me(request), body.name, body.members, body.is_private
    )
    return json_response(render.conversation(detail.conversation, detail.members), status=201)


@takes(ConversationRef)
async def get(request: web.Request, ref: ConversationRef) -> web.Response:
    detail = await request.app[SERVICES].membership.detail(_me(request), ref.conversation_id)
    return json_response(render.conversation(detail.conversation, detail.members))


@takes(ConversationRef)
async def join(request: web.Request, ref: ConversationRef) -> web.Response:
    await request.app[SERVICES].membership.join(_me(request), ref.conversation_id)
    return web.Response(status=204)


@takes(AddMemberRequest)
async def add_member(request: web.Request, body: AddMemberRequest) -> web.Response:
    member = await request.app[SERVICES].membership.add_member(
        _me(request), body.conversation_id, body.username
    )
    return json_response(render.member(member), status=201)


@takes(SetRoleRequest)
async def set_role(request: web.Request, body: SetRoleRequest) -> web.Response:
    member = await request.app[SERVICES].membership.set_role(
        _me(request), body.conversation_id, body.username, body.role
    )
    return json_response(render.member(member))


@takes(MemberRef)
async def remove_member(request: web.Request, ref: MemberRef) -> web.Response:
    await request.app[SERVICES].membership.remove_member(
        _me(request), ref.conversation_id, ref.username
    )
    return web.Response(status=204)


@takes(HistoryQuery)
async def history(request: web.Request, query: HistoryQuery) -> web.Response:
    page = await request.app[SERVICES].history.history(
        _me(request),
        query.conversation_id,
        query.limit,
        before=query.before,
        after=query.after,
        around=query.around,
    )
    return json_response(
        {
            "messages": request.app[RENDERER].messages_json(page.messages, page.marks),
            "next_cursor": str(page.next_cursor) if page.next_cursor else None,
        }
    )


@takes(MessageRef)
async def get_message(request: web.Request, ref: MessageRef) -> web.Response:
    message, marks = await request.app[SERVICES].history.shown(
        _me(request), ref.conversation_id, ref.message_id
    )
    return json_response(render.message(message, marks))


@takes(PostMessageRequest)
async def post_message(request: web.Request, body: PostMessageRequest) -> web.Response:
    attachment = body.attachment.to_domain() if body.attachment else None
    message = await request.app[SERVICES].messages.post(
        _me(request),
        body.conversation_id,
        body.content,
        body.client_message_id,
        attachment,
        reply_to=body.reply_to,
    )
    return json_response(render.message(message), status=201)


@takes(EditMessageRequest)
async def edit_message(request: web.Request, body: EditMessageRequest) -> web.Response:
    services = request.app[SERVICES]
    edited = await services.messages.edit(
        _me(request), body.conversation_id, body.message_id, body.content
    )
    # An edit keeps the message's reactions and pin: the answer shows them too.
    return json_response(
        render.message(edited, await services.history.marks_of(_me(request), edited))
    )


@takes(MessageRef)
async def delete_message(request: web.Request, ref: MessageRef) -> web.Response:
    await request.app[SERVICES].messages.delete(_me(request), ref.conversation_id, ref.message_id)
    return web.Response(status=204)


@takes(MarkReadRequest)
async def mark_read(request: web.Request, body: MarkReadRequest) -> web.Response:
    await request.app[SERVICES].read_markers.mark_read(
        _me(request), body.conversation_id, body.message_id
    )
    return web.Response(status=204)


@takes(MessageRef)
async def message_history(request: web.Request, ref: MessageRef) -> web.Response:
    versions = await request.app[SERVICES].edit_history.history(
        _me(request), ref.conversation_id, ref.message_id
    )
    return json_response(render.versions(versions))
