"""TIMEUUID message ids, their time, their day bucket, and an order-preserving sort key.

Ids are made here rather than by `uuid.uuid1()`: several processes on one host share a MAC
address, so each process draws a random node and clock sequence, and keeps its own clock
strictly increasing so that two ids from one process never tie.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid

# 100-ns intervals between the Gregorian epoch (1582-10-15) and the Unix epoch.
_GREGORIAN_OFFSET = 0x01B21DD213814000
NS_PER_HOUR = 3_600 * 1_000_000_000
NS_PER_DAY = 24 * NS_PER_HOUR


class TimeUuidFactory:
    def __init__(self) -> None:
        self._node = secrets.randbits(48) | 0x010000000000  # multicast bit: not a real MAC
        self._clock_seq = secrets.randbits(14)
        self._last_ticks = 0
        self._lock = threading.Lock()

    def new(self, epoch_ns: int | None = None) -> uuid.UUID:
        ticks = (epoch_ns if epoch_ns is not None else time.time_ns()) // 100 + _GREGORIAN_OFFSET
        with self._lock:
            ticks = max(ticks, self._last_ticks + 1)
            self._last_ticks = ticks
        return timeuuid_from_ticks(ticks, self._clock_seq, self._node)


def timeuuid_from_ticks(ticks: int, clock_seq: int, node: int) -> uuid.UUID:
    time_low = ticks & 0xFFFFFFFF
    time_mid = (ticks >> 32) & 0xFFFF
    time_hi_version = ((ticks >> 48) & 0x0FFF) | 0x1000
    clock_seq_hi_variant = ((clock_seq >> 8) & 0x3F) | 0x80
    return uuid.UUID(
        fields=(time_low, time_mid, time_hi_version, clock_seq_hi_variant, clock_seq & 0xFF, node)
    )


def epoch_ns(message_id: uuid.UUID) -> int:
    """Nanoseconds since the Unix epoch at which the TIMEUUID was made (100-ns precision)."""
    return (message_id.time - _GREGORIAN_OFFSET) * 100


def day_bucket(message_id: uuid.UUID) -> int:
    """The partition bucket: whole UTC days since the Unix epoch."""
    return epoch_ns(message_id) // NS_PER_DAY


def sort_key(message_id: uuid.UUID) -> str:
    """A fixed-width string whose byte order is the TIMEUUID order Cassandra uses."""
    return f"{message_id.time:015x}{message_id.bytes[8:].hex()}"


def parse_timeuuid(text: str) -> uuid.UUID | None:
    """The id if `text` is a version-1 UUID in the 8-4-4-4-12 form, else None."""
    if len(text) != 36:
        return None
    try:
        value = uuid.UUID(text)
    except ValueError:
        return None
    return value if value.version == 1 else None


_DIRECT_NAMESPACE = uuid.UUID("6f1d3c52-8c1e-4b7a-9a43-2f5d0e6b9c11")


def direct_conversation_id(a: str, b: str) -> uuid.UUID:
    """The one id both participants of a direct conversation share."""
    first, second = sorted((a, b))
    return uuid.uuid5(_DIRECT_NAMESPACE, f"direct:{first}:{second}")
