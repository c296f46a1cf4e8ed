"""CORS for browser clients hosted on another origin (`CORS_ORIGINS`), off by default.

The API authenticates with a bearer token, never a cookie, so no credentials mode is
needed: an allowed origin may read responses and send `Authorization`. A preflight from an
allowed origin is answered here, before routing; anything from another origin passes
through untouched (the browser then refuses to hand the response to the page).
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

ALLOWED_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE"
ALLOWED_HEADERS = "Authorization, Content-Type, X-Request-ID"
EXPOSED_HEADERS = "Retry-After, WWW-Authenticate, X-Request-ID"
PREFLIGHT_MAX_AGE_S = 600


def cors_middlewares(origins: tuple[str, ...]) -> list[Middleware]:
    """The middleware for these origins (`*`: any), or none when the list is empty."""
    if not origins:
        return []
    any_origin = "*" in origins
    allowed = frozenset(origins)

    @web.middleware
    async def cors(request: web.Request, handler: Handler) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if origin is None or not (any_origin or origin in allowed):
            return await handler(request)
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            response: web.StreamResponse = web.Response(status=204)
            response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
            response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
            response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE_S)
        else:
            response = await handler(request)
            if response.prepared:  # a WebSocket or a stream: its headers are gone already
                return response
            response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        response.headers["Access-Control-Allow-Origin"] = "*" if any_origin else origin
        if not any_origin:
            response.headers.add("Vary", "Origin")
        return response

    return [cors]
