"""Stream positions: the opaque `stream_id` / `since` tokens, and the rules that advance them.

A change is named by a TIMEUUID (its change id) and ordered by (time, id bytes). A position is
a *floor* (every change whose time is at or below it has been handled) plus the *seen* ids
of changes above the floor that were handled too. Ids made by different processes at nearly
the same time can become visible out of order, so the floor never passes `now - settle`: a
change that commits late, within the settle window, is still above every floor handed out,
and the seen ids make its neighbours, already handled, come back never a second time.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from chat_service.domain.ids import timeuuid_from_ticks

_VERSION = 1
_ID_BYTES = 16
_FLOOR_BYTES = 8
# Seen ids a token may carry (16 bytes each): beyond it the oldest are folded into the floor.
MAX_SEEN = 64
_TICKS_TO_NS = 100
_GREGORIAN_OFFSET = 0x01B21DD213814000  # as in domain/ids.py
# Cassandra compares the low half of a TIMEUUID as signed bytes: 0x80... is its least value.
_LEAST_CLOCK_SEQ = 0x0080
_LEAST_NODE = 0x808080808080


class MalformedPosition(ValueError):
    """The text is no stream position this service issued."""


def change_key(change_id: uuid.UUID) -> tuple[int, bytes]:
    """The total order of changes: time first, then the id's bytes."""
    return change_id.time, change_id.bytes


def ticks_of_ns(epoch: int) -> int:
    """A Unix-epoch nanosecond time as TIMEUUID ticks (100 ns since 1582-10-15)."""
    return epoch // _TICKS_TO_NS + _GREGORIAN_OFFSET


def ns_of_ticks(ticks: int) -> int:
    return (ticks - _GREGORIAN_OFFSET) * _TICKS_TO_NS


def least_id_after(ticks: int) -> uuid.UUID:
    """The least TIMEUUID (in Cassandra's order) whose time is above `ticks`."""
    return timeuuid_from_ticks(ticks + 1, _LEAST_CLOCK_SEQ, _LEAST_NODE)


@dataclass(frozen=True, slots=True)
class StreamPosition:
    floor: int  # TIMEUUID ticks: every change at or below it was handled
    seen: frozenset[uuid.UUID] = field(default_factory=frozenset)  # handled, above the floor

    def encode(self) -> str:
        return _encode(self.floor, sorted(change.bytes for change in self.seen))

    @classmethod
    def decode(cls, text: str) -> StreamPosition:
        if not text or len(text) > 4 * (1 + _FLOOR_BYTES + MAX_SEEN * _ID_BYTES) // 3 + 4:
            raise MalformedPosition(text)
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        except (binascii.Error, ValueError):
            raise MalformedPosition(text) from None
        body = raw[1 + _FLOOR_BYTES :]
        if raw[:1] != bytes([_VERSION]) or len(raw) < 9 or len(body) % _ID_BYTES:
            raise MalformedPosition(text)
        floor = int.from_bytes(raw[1 : 1 + _FLOOR_BYTES], "big")
        seen = {uuid.UUID(bytes=body[i : i + _ID_BYTES]) for i in range(0, len(body), _ID_BYTES)}
        if any(change.version != 1 or change.time <= floor for change in seen):
            raise MalformedPosition(text)
        return cls(floor, frozenset(seen))

    def covers(self, change_id: uuid.UUID) -> bool:
        return change_id.time <= self.floor or change_id in self.seen

    def advance(self, handled: Iterable[uuid.UUID], frontier: int, settled: int) -> StreamPosition:
        """The position once `handled` are handled too, knowing that every change at or below
        `frontier` is among them or already covered; the floor stays at or below `settled`."""
        floor = max(self.floor, min(frontier, settled))
        above = sorted(
            {c for c in (*self.seen, *handled) if c.time > floor}, key=change_key, reverse=True
        )
        if len(above) > MAX_SEEN:  # keep the newest; fold the rest into the floor
            floor = above[MAX_SEEN].time
            above = [c for c in above[:MAX_SEEN] if c.time > floor]
        return StreamPosition(floor, frozenset(above))


def _encode(floor: int, seen: Iterable[bytes]) -> str:
    raw = bytes([_VERSION]) + floor.to_bytes(_FLOOR_BYTES, "big") + b"".join(seen)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class RecentChanges:
    """One connection's changes sent above its floor, for the `stream_id` of each event it
    is sent: `StreamPosition.advance` for one change at a time, on (time, bytes) pairs
    kept from one event to the next, since it runs once per event and connection."""

    __slots__ = ("_recent",)

    def __init__(self) -> None:
        self._recent: list[tuple[int, bytes]] = []

    def position_after(self, change_id: uuid.UUID, settled: int) -> str:
        time = change_id.time
        floor = min(time - 1, settled)
        recent = [entry for entry in self._recent if entry[0] > floor]
        recent.append((time, change_id.bytes))
        if len(recent) > MAX_SEEN:
            recent.sort(reverse=True)
            floor = recent[MAX_SEEN][0]
            recent = [entry for entry in recent[:MAX_SEEN] if entry[0] > floor]
        self._recent = recent
        return _encode(floor, (raw for _, raw in recent))


@dataclass(frozen=True, slots=True)
class StreamRead:
    """What one log returned above a floor: its changes in order, and whether it was cut
    short at the limit asked (so that later changes of it may exist)."""

    changes: Sequence[uuid.UUID]
    truncated: bool


@dataclass(frozen=True, slots=True)
class Merged:
    changes: list[uuid.UUID]  # oldest first
    positions: list[StreamPosition]  # the position after each change
    next_position: StreamPosition
    has_more: bool


def merge(
    position: StreamPosition, reads: Sequence[StreamRead], limit: int, settled: int
) -> Merged:
    """The next `limit` changes above `position` across several logs, oldest first, each once.

    A log cut short bounds the result: nothing past its last change is taken, since that log
    may hold earlier ones than the others' beyond it.
    """
    cut = [read.changes[-1] for read in reads if read.truncated and read.changes]
    bound = min((change_key(c) for c in cut), default=None)
    fresh = {c for read in reads for c in read.changes if not position.covers(c)}
    ordered = sorted(fresh, key=change_key)
    if bound is not None:
        ordered = [c for c in ordered if change_key(c) <= bound]
    has_more = bound is not None or len(ordered) > limit
    taken = ordered[:limit]
    positions = []
    current = position
    for change in taken:
        current = current.advance((change,), change.time - 1, settled)
        positions.append(current)
    # Once cut short, only what was taken is known; otherwise everything up to now was read.
    frontier = (taken[-1].time - 1 if taken else position.floor) if has_more else settled
    next_position = position.advance(taken, frontier, settled)
    return Merged(taken, positions, next_position, has_more)
