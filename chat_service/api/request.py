"""Reading requests: JSON bodies, query parameters and the caller's identity."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from chat_service.api.context import SERVICES, USER_ID
from chat_service.api.errors import UnsupportedMediaType
from chat_service.domain.errors import InvalidInput, Unauthenticated
from chat_service.services.tokens import AccessClaims


async def json_body(request: web.Request) -> dict[str, Any]:
    """The request's JSON object: 400 for anything else, 415 for a non-JSON content type.

    orjson refuses documents nested deeper than 1024 levels, and aiohttp bodies over the
    app's `client_max_size` (413), so neither can exhaust the process.
    """
    content_type = request.headers.get("Content-Type", "")
    if content_type and not _is_json(request.content_type):
        raise UnsupportedMediaType("The body must be application/json.")
    raw = await request.read()
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidInput("The body is not valid JSON.", code="invalid_json") from exc
    if not isinstance(body, dict):
        raise InvalidInput("The body must be a JSON object.", code="invalid_json")
    return body


def _is_json(content_type: str) -> bool:
    return content_type == "application/json" or content_type.endswith("+json")


def caller(request: web.Request) -> AccessClaims:
    """The authenticated caller; 401 with `WWW-Authenticate: Bearer` otherwise."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("A bearer token is required.")
    claims = request.app[SERVICES].accounts.authenticate(token.strip())
    request[USER_ID] = str(claims.user_id)
    return claims
