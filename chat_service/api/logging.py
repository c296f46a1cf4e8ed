"""Request ids and one structured log line per request."""

from __future__ import annotations

import random
import time

import structlog
from aiohttp import web
from aiohttp.typedefs import Handler

from chat_service.api.context import USER_ID

log = structlog.get_logger("chat_service.access")

REQUEST_ID_HEADER = "X-Request-ID"
_MAX_REQUEST_ID = 128


def route_template(request: web.Request) -> str:
    """The route's pattern (`/api/v1/conversations/{id}`), never the raw path."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


def _request_id(request: web.Request) -> str:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    if given and len(given) <= _MAX_REQUEST_ID and given.isprintable():
        return given
    return f"{random.getrandbits(128):032x}"  # a correlation id: os.urandom is not needed


@web.middleware
async def access_log_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    request_id = _request_id(request)
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=request_id)
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        if not response.prepared:
            response.headers[REQUEST_ID_HEADER] = request_id
        return response
    finally:
        log.info(
            "request",
            method=request.method,
            route=route_template(request),
            status=status,
            duration_ms=round((time.perf_counter() - started) * 1000, 2),
            user_id=request.get(USER_ID),
        )
