"""Authentication in one place: a middleware that finds the caller of every route not
declared public (in `routes.py`) and sets it on the request under `CALLER`.

The token comes from `Authorization: Bearer <token>`, or `?token=` on the routes that
allow it (`/ws`: browsers cannot set headers on a WebSocket). A missing or bad token gets
`401` with `WWW-Authenticate: Bearer` before the handler runs (before a WebSocket
upgrade). A request that matches no route goes on unauthenticated, to its 404 or 405.
"""

from __future__ import annotations

from enum import Enum

from aiohttp import web
from aiohttp.typedefs import Handler

from chat_service.api.context import CALLER, SERVICES, USER_ID
from chat_service.domain.errors import Unauthenticated


class Access(Enum):
    BEARER = "bearer"  # the default: a token in the Authorization header
    BEARER_OR_QUERY = "bearer_or_query"  # or ?token= (WebSocket upgrades)
    PUBLIC = "public"


# How each route is reached; `routes.py` fills it. A route absent from it needs a bearer
# token (a static page someone adds is public only once declared so there).
ACCESS = web.AppKey("access", dict[web.AbstractRoute, Access])


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    match = request.match_info
    if match.http_exception is not None:  # no such route: 404/405 as usual
        return await handler(request)
    access = request.app[ACCESS].get(match.route, Access.BEARER)
    if access is not Access.PUBLIC:
        claims = await request.app[SERVICES].accounts.authenticate(_token_from(request, access))
        request[CALLER] = claims
        request[USER_ID] = claims.user_id_text
    return await handler(request)


def _token_from(request: web.Request, access: Access) -> str:
    if access is Access.BEARER_OR_QUERY and request.query.get("token"):
        return request.query["token"]
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("A bearer token is required.")
    return token
