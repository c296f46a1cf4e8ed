"""The constants of the input rules, shared by the request models (`api/schemas/`, where
requests are validated, once) and by the checks below, which services still call until
they take only typed values. Each check raises `InvalidInput` naming the field."""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit

from chat_service.domain.errors import InvalidInput
from chat_service.domain.ids import parse_timeuuid

USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.\-]{2,31}$")
# As clients may send it (either letter case); a JSON Schema / Rust-regex pattern.
USERNAME_INPUT = r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$"
PASSWORD_MIN, PASSWORD_MAX = 8, 128
CONTENT_MAX = 4000
CLIENT_MESSAGE_ID_MAX = 64
# One character that is not whitespace in the sense of `str.isspace` (the same set, as a
# pattern that JSON Schema and pydantic's Rust regex read alike).
NOT_BLANK = r"[^\t\n\x0b\x0c\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
# A version-1 UUID in the 8-4-4-4-12 form, either letter case (what `parse_timeuuid` takes).
TIMEUUID_INPUT = (
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-1[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$"
)
HTTP_URL = r"^[Hh][Tt][Tt][Pp][Ss]?://[^/?#\s]+"
QUERY_INT = re.compile(r"-?[0-9]{1,9}")
ATTACHMENT_TYPES = ("image", "audio", "video", "file")
MEMBERS_MAX = 256
USER_PREFIX_MAX = 32
CONVERSATION_QUERY_MAX = 100
PAGE_MAX = 1_000_000
LIMIT_MAX = 100


def invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(f"{field}: {message}", code="invalid_input", details={field: message})


def username(value: object, field: str = "username") -> str:
    """The canonical (lowercase) form of a valid username."""
    if not isinstance(value, str):
        raise invalid(field, "must be a string")
    name = value.lower()
    if not value.isascii() or not USERNAME.fullmatch(name):
        raise invalid(
            field,
            "must be 3 to 32 characters from A-Z a-z 0-9 _ . - starting with a letter or digit",
        )
    return name


def password(value: object) -> str:
    if not isinstance(value, str):
        raise invalid("password", "must be a string")
    if not PASSWORD_MIN <= len(value) <= PASSWORD_MAX:
        raise invalid("password", f"must be {PASSWORD_MIN} to {PASSWORD_MAX} characters")
    return value


def content(value: object) -> str:
    if not isinstance(value, str):
        raise invalid("content", "must be a string")
    if not value.strip():
        raise invalid("content", "must not be empty or only whitespace")
    if len(value) > CONTENT_MAX:
        raise invalid("content", f"must be at most {CONTENT_MAX} characters")
    return value


def client_message_id(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not 1 <= len(value) <= CLIENT_MESSAGE_ID_MAX:
        raise invalid(
            "client_message_id", f"must be a string of 1 to {CLIENT_MESSAGE_ID_MAX} characters"
        )
    return value


GROUP_NAME_MAX = 100
URL_MAX = 2048


def group_name(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise invalid("name", "must be a non-empty string")
    if len(value) > GROUP_NAME_MAX:
        raise invalid("name", f"must be at most {GROUP_NAME_MAX} characters")
    return value


def message_id(value: object, field: str) -> uuid.UUID:
    """A message id (a TIMEUUID) given in a body or a query string, or already parsed."""
    if isinstance(value, uuid.UUID):
        value = str(value)
    parsed = parse_timeuuid(value) if isinstance(value, str) else None
    if parsed is None:
        raise invalid(field, "must be a message id (a TIMEUUID)")
    return parsed


def http_url(value: object, field: str) -> str:
    if not isinstance(value, str) or len(value) > URL_MAX:
        raise invalid(field, f"url must be a string of at most {URL_MAX} characters")
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        host = None
    if host is None or parts.scheme not in ("http", "https"):
        raise invalid(field, "url must be an http or https URL")
    return value
