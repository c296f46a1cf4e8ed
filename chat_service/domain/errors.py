"""Domain errors. `api/errors.py` maps each kind to one HTTP status, in one place."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error a client may see; `code` is the contract's snake_case code."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details


class InvalidInput(DomainError):
    code = "invalid_input"


class Unauthenticated(DomainError):
    code = "unauthorized"


class Forbidden(DomainError):
    code = "forbidden"


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class Gone(DomainError):
    """What was asked for is no longer kept (410)."""

    code = "gone"


class RateLimited(DomainError):
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class StoreUnavailable(DomainError):
    """A backing store did not answer in time; the request may be retried later."""

    code = "store_unavailable"
