"""`/auth/*` and `/users*` handlers."""

from __future__ import annotations

from aiohttp import web

from chat_service.api import render
from chat_service.api.context import CALLER, CLIENT_ADDRESS_HEADER, SERVICES
from chat_service.api.inputs import takes
from chat_service.api.json import json_response
from chat_service.api.schemas.accounts import (
    LoginRequest,
    PasswordChangeRequest,
    PasswordResetConfirmRequest,
    PasswordResetRequest,
    RefreshRequest,
    RegisterRequest,
    UserSearchQuery,
    VerifyEmailRequest,
)


@takes(RegisterRequest)
async def register(request: web.Request, body: RegisterRequest) -> web.Response:
    user = await request.app[SERVICES].accounts.register(body.username, body.password, body.email)
    return json_response(render.registered(user), status=201)


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
    return json_response(render.account(user))


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


# Accounts by email (issue #17).


def client_address(request: web.Request) -> str:
    """The client's address for rate limits: the last entry of the configured proxy header
    (the address our own proxy saw, which it appended), else the peer's."""
    header = request.app[CLIENT_ADDRESS_HEADER]
    if header:
        forwarded = request.headers.get(header, "").rsplit(",", 1)[-1].strip()
        if forwarded:
            return forwarded[:64]
    return request.remote or "unknown"


@takes(VerifyEmailRequest)
async def verify_email(request: web.Request, body: VerifyEmailRequest) -> web.Response:
    await request.app[SERVICES].account_email.verify_email(body.token)
    return web.Response(status=204)


async def resend_verification(request: web.Request) -> web.Response:
    await request.app[SERVICES].account_email.resend_verification(
        request[CALLER], client_address(request)
    )
    return web.Response(status=202)


@takes(PasswordResetRequest)
async def request_password_reset(request: web.Request, body: PasswordResetRequest) -> web.Response:
    await request.app[SERVICES].account_email.request_reset(
        body.email, body.username, client_address(request)
    )
    return web.Response(status=202)


@takes(PasswordResetConfirmRequest)
async def confirm_password_reset(
    request: web.Request, body: PasswordResetConfirmRequest
) -> web.Response:
    await request.app[SERVICES].account_email.confirm_reset(body.token, body.new_password)
    return web.Response(status=204)


@takes(PasswordChangeRequest)
async def change_password(request: web.Request, body: PasswordChangeRequest) -> web.Response:
    await request.app[SERVICES].account_email.change_password(
        request[CALLER], body.current_password, body.new_password
    )
    return web.Response(status=204)


async def logout_all(request: web.Request) -> web.Response:
    await request.app[SERVICES].account_email.logout_all(request[CALLER])
    return web.Response(status=204)
