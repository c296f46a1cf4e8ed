"""The building blocks of request models: base classes and the constrained types that
carry every input rule (lengths, patterns, ranges) once, for validation and for OpenAPI.

Why pydantic rather than msgspec (figures in bench/README.md, "Request parsing"): both
parse a hot-path request in about a microsecond, against a few hundred microseconds for
the whole request, so speed does not decide. Pydantic reports every invalid field with a
structured location (msgspec reports the first one, its location inside a message string),
its JSON Schema carries the same constraints the validators check, and it is already
installed through pydantic-settings.
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated, ClassVar
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from chat_service.domain import validation


class RequestModel(BaseModel):
    """One request's input, typed. `path` names the fields taken from the URL's path
    (parsed first, by `api/inputs.py`: a malformed id names nothing and gets 404)."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    path: ClassVar[tuple[str, ...]] = ()


class PathInput(RequestModel):
    """Input from the path alone."""


class QueryInput(RequestModel):
    """Input from the query string (and the path). An empty value counts as absent."""


class BodyInput(RequestModel):
    """Input from a JSON object body (and the path). Unknown fields are ignored."""


def _query_int(value: object) -> object:
    """Query strings carry ASCII digits only (no `+`, `_`, spaces or other scripts)."""
    if isinstance(value, str) and not validation.QUERY_INT.fullmatch(value):
        raise PydanticCustomError("int_parsing", "must be an integer")
    return value


def _message_id(value: object) -> object:
    if isinstance(value, uuid.UUID):
        return value
    if not isinstance(value, str) or not TIMEUUID_INPUT.fullmatch(value):
        raise PydanticCustomError("timeuuid", "must be a message id (a TIMEUUID)")
    return uuid.UUID(value)


def _http_url(value: str) -> str:
    """What the pattern cannot say: `urlsplit` must find a host."""
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        host = None
    if host is None or parts.scheme not in ("http", "https"):
        raise PydanticCustomError("http_url", "url must be an http or https URL")
    return value


TIMEUUID_INPUT = re.compile(validation.TIMEUUID_INPUT)

UsernameInput = Annotated[
    str,
    Field(
        pattern=validation.USERNAME_INPUT,
        description="3 to 32 characters from `A-Z a-z 0-9 _ . -`, starting with a letter or "
        "digit. Case-insensitive: the service stores and answers the lowercase form.",
    ),
    AfterValidator(str.lower),
]
Password = Annotated[
    str,
    Field(
        min_length=validation.PASSWORD_MIN,
        max_length=validation.PASSWORD_MAX,
        description="8 to 128 characters; every character counts (no truncation at 72 bytes).",
    ),
]
Content = Annotated[
    str,
    Field(
        min_length=1,
        max_length=validation.CONTENT_MAX,
        pattern=validation.NOT_BLANK,
        description="1 to 4000 characters, not only whitespace (the pattern asks for one "
        "character that is not whitespace in Python's sense, `str.isspace`).",
    ),
]
ClientMessageId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=validation.CLIENT_MESSAGE_ID_MAX,
        description="Optional idempotency key, 1 to 64 characters, chosen by the client; "
        "`null` is the same as leaving it out.",
    ),
]
GroupName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=validation.GROUP_NAME_MAX,
        pattern=validation.NOT_BLANK,
        description="1 to 100 characters, not only whitespace (this document's choice).",
    ),
]
HttpUrl = Annotated[
    str,
    Field(
        max_length=validation.URL_MAX,
        pattern=validation.HTTP_URL,
        json_schema_extra={"format": "uri"},
    ),
    AfterValidator(_http_url),
]
MessageIdInput = Annotated[
    uuid.UUID,
    BeforeValidator(_message_id),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": validation.TIMEUUID_INPUT,
            "description": "A message id as a client sends it back (either letter case).",
        }
    ),
]


# Reads an integer query parameter from its string of digits; in `Annotated[int, Field(...),
# QUERY_INT]`, after the `Field` (its bounds then reach the JSON Schema as minimum/maximum).
QUERY_INT = BeforeValidator(_query_int)
