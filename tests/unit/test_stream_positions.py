"""Stream positions (`domain/stream.py`): the token's form, and the rules that make a
catch-up miss nothing and repeat nothing even when changes become visible out of order."""

from __future__ import annotations

import pytest

from chat_service.domain.ids import TimeUuidFactory
from chat_service.domain.stream import (
    MAX_SEEN,
    MalformedPosition,
    RecentChanges,
    StreamPosition,
    StreamRead,
    merge,
    ticks_of_ns,
)

T0 = 1_800_000_000 * 10**9
MS = 1_000_000


def ids_at(*offsets_ms: int) -> list:
    factory = TimeUuidFactory()
    return [factory.new(T0 + offset * MS) for offset in offsets_ms]


def test_a_position_survives_its_text_form() -> None:
    seen = frozenset(ids_at(10, 20))
    position = StreamPosition(ticks_of_ns(T0), seen)
    assert StreamPosition.decode(position.encode()) == position
    assert StreamPosition.decode(StreamPosition(5).encode()) == StreamPosition(5)


@pytest.mark.parametrize(
    "text",
    ["", "nope!", "AQ", "Ag" + "A" * 10, "A" * 5000, StreamPosition(7).encode() + "AAAA"],
)
def test_text_that_is_no_position_is_refused(text: str) -> None:
    with pytest.raises(MalformedPosition):
        StreamPosition.decode(text)


def test_a_seen_id_below_the_floor_makes_the_text_malformed() -> None:
    (early,) = ids_at(0)
    forged = StreamPosition(ticks_of_ns(T0 + 5 * MS), frozenset())
    text = StreamPosition(forged.floor, frozenset({early})).encode()
    with pytest.raises(MalformedPosition):
        StreamPosition.decode(text)


def test_merge_returns_every_log_oldest_first_each_once() -> None:
    a1, b1, a2, b2 = ids_at(1, 2, 3, 4)
    start = StreamPosition(ticks_of_ns(T0))
    reads = [StreamRead([a1, a2], False), StreamRead([b1, b2], False), StreamRead([a2], False)]
    merged = merge(start, reads, limit=10, settled=ticks_of_ns(T0 + 10_000 * MS))
    assert merged.changes == [a1, b1, a2, b2]
    assert not merged.has_more
    again = merge(merged.next_position, reads, limit=10, settled=ticks_of_ns(T0 + 10_000 * MS))
    assert again.changes == []


def test_a_change_that_commits_late_below_a_handled_one_is_still_delivered() -> None:
    early, late = ids_at(100, 90)  # `late` has the smaller time but became visible later
    now = T0 + 1000 * MS
    settled = ticks_of_ns(now - 5000 * MS)  # the settle window covers both
    first = merge(StreamPosition(ticks_of_ns(T0)), [StreamRead([early], False)], 10, settled)
    assert first.changes == [early]
    second = merge(first.next_position, [StreamRead([late, early], False)], 10, settled)
    assert second.changes == [late]  # delivered, and `early` not again


def test_the_floor_never_passes_the_settle_bound() -> None:
    (change,) = ids_at(100)
    settled = ticks_of_ns(T0 + 50 * MS)
    position = StreamPosition(ticks_of_ns(T0)).advance([change], change.time, settled)
    assert position.floor == settled and position.seen == {change}


def test_a_cut_short_log_bounds_the_page() -> None:
    a1, b1, a2, b2, a3 = ids_at(1, 2, 3, 4, 5)
    start = StreamPosition(ticks_of_ns(T0))
    settled = ticks_of_ns(T0 + 10_000 * MS)
    # Log a was read up to a2 only (its limit): b2 cannot be taken before a3 is known.
    merged = merge(start, [StreamRead([a1, a2], True), StreamRead([b1, b2], False)], 10, settled)
    assert merged.changes == [a1, b1, a2] and merged.has_more
    rest = merge(
        merged.next_position, [StreamRead([a3], False), StreamRead([b1, b2], False)], 10, settled
    )
    assert rest.changes == [b2, a3] and not rest.has_more


def test_limit_pages_through_without_gaps_or_repeats() -> None:
    changes = ids_at(*range(1, 12))
    settled = ticks_of_ns(T0 + 10_000 * MS)
    position, got = StreamPosition(ticks_of_ns(T0)), []
    for _ in range(10):
        merged = merge(position, [StreamRead(changes, False)], 3, settled)
        got += merged.changes
        position = merged.next_position
        if not merged.has_more:
            break
    assert got == changes


def test_each_event_carries_the_position_after_it() -> None:
    a, b, c = ids_at(1, 2, 3)
    settled = ticks_of_ns(T0 + 10_000 * MS)
    merged = merge(StreamPosition(ticks_of_ns(T0)), [StreamRead([a, b, c], False)], 10, settled)
    resumed = merge(merged.positions[0], [StreamRead([a, b, c], False)], 10, settled)
    assert resumed.changes == [b, c]


def test_too_many_recent_changes_fold_the_oldest_into_the_floor() -> None:
    changes = ids_at(*range(1, MAX_SEEN + 6))
    settled = ticks_of_ns(T0 + 10_000 * MS)
    position = StreamPosition(ticks_of_ns(T0)).advance(changes, ticks_of_ns(T0), settled)
    assert len(position.seen) <= MAX_SEEN
    assert all(position.covers(change) for change in changes)


def test_a_connections_positions_follow_the_same_rule_as_advance() -> None:
    """`RecentChanges` (the hub's per-event path) gives the positions `advance` gives."""
    changes = ids_at(*range(0, 400, 3))
    changes = changes[::2] + changes[1::2]  # out of order, as the bus may deliver them
    recent, position = RecentChanges(), StreamPosition(0)
    for n, change in enumerate(changes):
        settled = ticks_of_ns(T0 + n * 2 * MS)  # the clock moves on meanwhile
        text = recent.position_after(change, settled)
        position = StreamPosition(0, position.seen).advance([change], change.time - 1, settled)
        assert StreamPosition.decode(text) == position
