"""Pydantic's validation errors as the contract's `400 invalid_input`: one `details` entry
per invalid field (the first problem found in it), in words for a person."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from chat_service.domain import validation
from chat_service.domain.errors import InvalidInput

_BY_PATTERN = {
    validation.USERNAME_INPUT: "must be 3 to 32 characters from A-Z a-z 0-9 _ . - "
    "starting with a letter or digit",
    validation.NOT_BLANK: "must not be empty or only whitespace",
    validation.HTTP_URL: "url must be an http or https URL",
    validation.EMAIL_INPUT: "must be an email address (ASCII, like name@example.com)",
}
_BY_TYPE = {
    "missing": "is required",
    "string_type": "must be a string",
    "bool_type": "must be true or false",
    "list_type": "must be a list",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "dict_type": "must be an object",
    "int_parsing": "must be an integer",
    "int_type": "must be an integer",
    "extra_forbidden": "is not a known field",
}


def reason(error: ErrorDetails) -> str:
    """Why one value was refused, without echoing the value."""
    kind, context = error["type"], error.get("ctx") or {}
    if kind == "string_pattern_mismatch":
        return _BY_PATTERN.get(context.get("pattern", ""), "has the wrong format")
    if kind == "string_too_short":
        return f"must be at least {context['min_length']} characters"
    if kind == "string_too_long":
        return f"must be at most {context['max_length']} characters"
    if kind == "too_long":
        return f"must have at most {context['max_length']} items"
    if kind == "greater_than_equal":
        return f"must be at least {context['ge']}"
    if kind == "less_than_equal":
        return f"must be at most {context['le']}"
    if kind in ("enum", "literal_error"):
        return f"must be {context['expected']}"
    return _BY_TYPE.get(kind, error["msg"])


def invalid_input(exc: ValidationError) -> InvalidInput:
    details: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        field, rest = _field(error)
        why = reason(error)
        details.setdefault(field, f"{rest}: {why}" if rest else why)
    field, why = next(iter(details.items()))
    return InvalidInput(f"{field}: {why}", code="invalid_input", details=details)


def _field(error: ErrorDetails) -> tuple[str, str]:
    """The top-level field an error is about, and where inside it (`url`, `[2]`)."""
    location: tuple[Any, ...] = error["loc"]
    if not location:
        return str((error.get("ctx") or {}).get("field", "body")), ""
    inner = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in location[1:])
    return str(location[0]), inner.lstrip(".")
