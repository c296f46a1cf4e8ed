"""The one place where domain errors become HTTP statuses, and nothing escapes as a 500 page."""

from __future__ import annotations

import sentry_sdk
import structlog
from aiohttp import web
from aiohttp.typedefs import Handler

from chat_service.api.json import error_response
from chat_service.domain import errors

log = structlog.get_logger(__name__)


class UnsupportedMediaType(errors.DomainError):
    """A body in a format the API does not read (an HTTP matter, so it lives here)."""

    code = "unsupported_media_type"


class ClientDisconnected(Exception):
    """The client closed its connection before its request was read (a phone losing its
    network, a closed tab): nothing can be answered, and it is not the server's error."""


# nginx's status for a request its client closed: what the access log and the request
# metrics record (not a 5xx), never sent, as nobody is there to read it.
CLIENT_CLOSED_REQUEST = 499

STATUS_BY_ERROR: dict[type[errors.DomainError], int] = {
    errors.InvalidInput: 400,
    errors.Unauthenticated: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.Gone: 410,
    errors.RateLimited: 429,
    UnsupportedMediaType: 415,
    errors.StoreUnavailable: 503,
}

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def domain_error_response(exc: errors.DomainError) -> web.Response:
    status = next((code for kind, code in STATUS_BY_ERROR.items() if isinstance(exc, kind)), 400)
    headers: dict[str, str] = {}
    if isinstance(exc, errors.Unauthenticated):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, errors.RateLimited):
        headers["Retry-After"] = str(exc.retry_after_s)
    if isinstance(exc, errors.StoreUnavailable):
        headers["Retry-After"] = "1"
    return error_response(status, exc.code, exc.message, exc.details, headers)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except errors.DomainError as exc:
        return domain_error_response(exc)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = _HTTP_CODES.get(exc.status, "http_error")
        headers = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
        return error_response(exc.status, code, exc.reason, headers=headers)
    except ClientDisconnected:
        log.debug("request.client_disconnected")
        return web.Response(status=CLIENT_CLOSED_REQUEST)
    except Exception as exc:
        log.exception("request.unhandled_error")
        sentry_sdk.capture_exception(exc)  # a no-op unless SENTRY_DSN configured reporting
        return error_response(500, "internal_error", "An unexpected error occurred.")
