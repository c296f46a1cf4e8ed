"""Timestamps in the contract's format: RFC 3339, UTC, nine fractional digits, `Z`."""

from __future__ import annotations

import time
from datetime import UTC, datetime

_NS_PER_S = 1_000_000_000


def format_ns(epoch_ns: int) -> str:
    """`2026-11-23T10:15:30.123456700Z` for nanoseconds since the Unix epoch."""
    seconds, nanos = divmod(epoch_ns, _NS_PER_S)
    return f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(seconds))}.{nanos:09d}Z"


def now_ns() -> int:
    return time.time_ns()


def datetime_to_ns(value: datetime) -> int:
    """Nanoseconds since the epoch of a datetime; naive values are UTC (Cassandra's kind)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * _NS_PER_S + delta.microseconds * 1000


def ns_to_datetime(epoch_ns: int) -> datetime:
    return datetime.fromtimestamp(epoch_ns // 1000 / 1_000_000, tz=UTC)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_millis(epoch_ns: int) -> int:
    """The same instant at the millisecond precision Cassandra's `timestamp` stores, so a
    value answered at creation equals the value read back later."""
    return epoch_ns // 1_000_000 * 1_000_000
