"""Requests to typed values: each handler declares the one model it takes (`@takes`), and
gets it parsed from the path, the query string or the JSON body, validated once.

Path values come first: an id that names nothing gets `404` (as a missing one would),
before the body or the query is looked at. Then the body must be a JSON object (`415` for
another content type, `400 invalid_json` otherwise), and the model's rules give `400
invalid_input` with one `details` entry per invalid field. A client that goes away while
sending the body is `ClientDisconnected` (logged as such, not as a server error).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import orjson
from aiohttp import web
from pydantic import ValidationError

from chat_service.api.errors import ClientDisconnected, UnsupportedMediaType
from chat_service.api.schemas.base import BodyInput, QueryInput, RequestModel
from chat_service.api.schemas.errors import invalid_input
from chat_service.domain.errors import InvalidInput, NotFound
from chat_service.domain.ids import parse_timeuuid

M = TypeVar("M", bound=RequestModel)
MODEL_ATTRIBUTE = "request_model"


def _conversation_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise NotFound("The conversation does not exist.") from None


def _message_id(raw: str) -> uuid.UUID:
    parsed = parse_timeuuid(raw)
    if parsed is None:
        raise NotFound("The message does not exist.", code="message_not_found")
    return parsed


_PATH_PARSERS: dict[str, Callable[[str], object]] = {
    "conversation_id": _conversation_id,
    "message_id": _message_id,
    "username": str.lower,
    "emoji": str,  # checked by the model: a malformed emoji is 400, not 404
}


async def json_object(request: web.Request) -> dict[str, Any]:
    """The request's JSON object. orjson refuses documents nested deeper than 1024 levels,
    and aiohttp bodies over the app's `client_max_size` (413), so neither exhausts us."""
    if request.headers.get("Content-Type", "") and not _is_json(request.content_type):
        raise UnsupportedMediaType("The body must be application/json.")
    try:
        raw = await request.read()
    except ConnectionResetError as exc:  # aiohttp's "Connection lost": the client went away
        raise ClientDisconnected from exc
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidInput("The body is not valid JSON.", code="invalid_json") from exc
    if not isinstance(body, dict):
        raise InvalidInput("The body must be a JSON object.", code="invalid_json")
    return body


def _is_json(content_type: str) -> bool:
    return content_type == "application/json" or content_type.endswith("+json")


def takes(
    model: type[M],
) -> Callable[[Callable[[web.Request, M], Awaitable[web.StreamResponse]]], Any]:
    """Declares the model a handler takes; the handler is called with it, parsed. The
    OpenAPI spec reads the declaration (`request_model`) to describe the request."""

    def declare(
        handler: Callable[[web.Request, M], Awaitable[web.StreamResponse]],
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        # What the model takes (path, query or body) is looked up once here, not on every
        # request of the hot paths; the handler's wrapper is the only frame added.
        path = tuple((name, _PATH_PARSERS[name]) for name in model.path)
        body, query = issubclass(model, BodyInput), issubclass(model, QueryInput)
        validate = model.model_validate

        @functools.wraps(handler)
        async def parsed(request: web.Request) -> web.StreamResponse:
            match = request.match_info
            given = {name: parse(match[name]) for name, parse in path}
            data: dict[str, Any] = {}
            if body:
                data = await json_object(request)
            elif query and request.query_string:
                for name, value in request.query.items():
                    if value != "":
                        data.setdefault(name, value)  # a repeated parameter: its first value
            if given:
                data.update(given)
            try:
                taken = validate(data)
            except ValidationError as exc:
                raise invalid_input(exc) from None
            return await handler(request, taken)

        setattr(parsed, MODEL_ATTRIBUTE, model)
        return parsed

    return declare


def request_model(handler: object) -> type[RequestModel] | None:
    """The model a handler declared with `@takes`, if any."""
    return getattr(handler, MODEL_ATTRIBUTE, None)
