"""Access tokens issued before the account's sessions ended are refused; the current
generation is remembered while the bus and the feed of ends can say it changed."""

from __future__ import annotations

import uuid

import pytest

from chat_service.domain.errors import Unauthenticated
from chat_service.repos.cache.events import BusDown, BusUp
from chat_service.services.sessions import FEED_OVERLAP_NS, Sessions, ended_event
from chat_service.services.tokens import AccessClaims
from tests.unit.fakes.accounts import FakeAccountStore, FakeClock, Remembered
from tests.unit.fakes.bus import FakeEventBus


class Monotonic:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _sessions(
    store: FakeAccountStore,
    monotonic: Monotonic | None = None,
    closed: list[str] | None = None,
    clock: FakeClock | None = None,
) -> Sessions:
    return Sessions(
        store,
        Remembered(),
        FakeEventBus(),
        ttl_s=5,
        clock_ns=clock or FakeClock(),
        monotonic=monotonic or Monotonic(),
        on_ended=(closed if closed is not None else []).append,
        keep_s=600,
    )


def _ann(store: FakeAccountStore) -> AccessClaims:
    user = store.add("ann", b"hash")
    return AccessClaims(user.id, "ann", generation=0)


async def test_a_current_token_passes_and_is_remembered() -> None:
    store = FakeAccountStore()
    sessions, claims = _sessions(store), _ann(store)
    await sessions.check(claims)
    await sessions.check(claims)
    assert store.generation_reads == 1


async def test_everything_is_forgotten_when_the_bus_goes_down_or_comes_back() -> None:
    store = FakeAccountStore()
    sessions, claims = _sessions(store), _ann(store)
    await sessions.check(claims)
    sessions.hear(BusDown())
    await sessions.check(claims)
    await sessions.check(claims)  # remembered again meanwhile, for the TTL
    sessions.hear(BusUp())
    await sessions.check(claims)
    assert store.generation_reads == 3


async def test_a_read_under_way_when_a_change_is_heard_is_not_remembered() -> None:
    store = FakeAccountStore()
    sessions, claims = _sessions(store), _ann(store)
    reading = store.token_generation

    async def slow_read(user_id: object) -> int | None:
        found = await reading(user_id)  # type: ignore[arg-type]
        sessions.hear(ended_event("ann", None))  # heard while the read was under way
        return found

    store.token_generation = slow_read  # type: ignore[method-assign]
    await sessions.check(claims)
    store.token_generation = reading  # type: ignore[method-assign]
    await sessions.check(claims)
    assert store.generation_reads == 2


async def test_ending_sessions_refuses_earlier_tokens_at_once_here() -> None:
    store = FakeAccountStore()
    sessions, claims = _sessions(store), _ann(store)
    sessions.hear(BusUp())
    await sessions.check(claims)
    generation = await sessions.end_all(claims.user_id, "ann")
    with pytest.raises(Unauthenticated):
        await sessions.check(claims)
    await sessions.check(AccessClaims(claims.user_id, "ann", generation))


async def test_a_change_heard_from_another_process_is_forgotten_at_once() -> None:
    store = FakeAccountStore()
    sessions, claims = _sessions(store), _ann(store)
    sessions.hear(BusUp())
    await sessions.check(claims)
    await store.end_sessions(claims.user_id, "ann", 42)  # another process ended them
    sessions.hear(ended_event("ann", 42))
    with pytest.raises(Unauthenticated):
        await sessions.check(claims)


async def test_a_remembered_generation_expires() -> None:
    store, monotonic = FakeAccountStore(), Monotonic()
    sessions, claims = _sessions(store, monotonic), _ann(store)
    sessions.hear(BusUp())
    await sessions.check(claims)
    await store.end_sessions(claims.user_id, "ann", 42)  # the event lost, the feed unread
    await sessions.check(claims)
    monotonic.now += 5
    with pytest.raises(Unauthenticated):
        await sessions.check(claims)


async def test_a_token_of_an_account_that_is_gone_is_refused() -> None:
    sessions = _sessions(FakeAccountStore())
    with pytest.raises(Unauthenticated):
        await sessions.check(AccessClaims(uuid.uuid4(), "ghost"))


async def test_sockets_are_closed_here_at_once_and_elsewhere_on_hearing() -> None:
    store, closed = FakeAccountStore(), []
    sessions = Sessions(
        store,
        Remembered(),
        FakeEventBus(),
        ttl_s=5,
        clock_ns=FakeClock(),
        on_ended=closed.append,
    )
    claims = _ann(store)
    await sessions.end_all(claims.user_id, "ann")  # here: before the bus brings it back
    assert closed == ["ann"]
    sessions.hear(ended_event("bob", 42))  # another process ended bob's
    assert closed == ["ann", "bob"]


async def test_an_event_of_an_earlier_version_makes_the_generation_read_again() -> None:
    store, closed = FakeAccountStore(), []
    sessions, claims = _sessions(store, closed=closed), _ann(store)
    sessions.hear(BusUp())
    await sessions.check(claims)
    await store.end_sessions(claims.user_id, "ann", 42)
    sessions.hear(ended_event("ann", None))  # no generation in it: forgotten, read again
    assert closed == ["ann"]
    with pytest.raises(Unauthenticated):
        await sessions.check(claims)
    assert store.generation_reads == 2


async def test_an_end_heard_and_read_from_the_feed_closes_the_sockets_once() -> None:
    store, closed, clock = FakeAccountStore(), [], FakeClock()
    sessions, claims = _sessions(store, closed=closed, clock=clock), _ann(store)
    await sessions.check(claims)
    ended = clock.now_ns
    await store.end_sessions(claims.user_id, "ann", ended)  # by another process
    sessions.hear(ended_event("ann", ended))
    await sessions.read_ends()  # the same end again, from the feed
    assert closed == ["ann"]
    await sessions.check(AccessClaims(claims.user_id, "ann", ended))
    assert store.generation_reads == 1  # the heard generation is remembered


async def test_a_process_hearing_its_own_end_closes_the_sockets_once() -> None:
    store, closed = FakeAccountStore(), []
    sessions, claims = _sessions(store, closed=closed), _ann(store)
    generation = await sessions.end_all(claims.user_id, "ann")
    sessions.hear(ended_event("ann", generation))  # the bus brings it back here
    assert closed == ["ann"]


async def test_an_end_read_from_the_feed_refuses_earlier_tokens_and_closes_sockets() -> None:
    store, closed, clock = FakeAccountStore(), [], FakeClock()
    sessions, claims = _sessions(store, closed=closed, clock=clock), _ann(store)
    await sessions.check(claims)
    ended = clock.now_ns  # by another process, its event lost
    await store.end_sessions(claims.user_id, "ann", ended)
    await sessions.read_ends()
    assert closed == ["ann"]
    with pytest.raises(Unauthenticated):
        await sessions.check(claims)
    await sessions.check(AccessClaims(claims.user_id, "ann", ended))
    assert store.generation_reads == 1  # learned from the feed, not read again


async def test_an_end_learned_twice_closes_the_sockets_once() -> None:
    store, closed = FakeAccountStore(), []
    sessions, claims = _sessions(store, closed=closed), _ann(store)
    await sessions.end_all(claims.user_id, "ann")  # here: the feed then tells it again
    await sessions.read_ends()
    await sessions.read_ends()
    assert closed == ["ann"]


async def test_while_the_feed_is_read_a_generation_is_kept_without_reads() -> None:
    store, monotonic = FakeAccountStore(), Monotonic()
    sessions, claims = _sessions(store, monotonic), _ann(store)
    await sessions.check(claims)
    for _ in range(9):  # a minute and a half, the feed read every 10 s
        monotonic.now += 10
        await sessions.read_ends()
        await sessions.check(claims)
    assert store.generation_reads == 1
    monotonic.now += 600  # kept for `keep_s` at most
    await sessions.read_ends()
    await sessions.check(claims)
    assert store.generation_reads == 2


async def test_while_the_feed_cannot_be_read_generations_are_read_again_after_the_ttl() -> None:
    store, monotonic = FakeAccountStore(), Monotonic()
    sessions, claims = _sessions(store, monotonic), _ann(store)
    await sessions.read_ends()
    await sessions.check(claims)
    store.feed_down = True
    monotonic.now += 4
    await sessions.read_ends()  # logged, not raised
    await sessions.check(claims)
    assert store.generation_reads == 1  # still within the TTL of the last read of the feed
    monotonic.now += 2
    await sessions.check(claims)
    assert store.generation_reads == 2


async def test_each_read_of_the_feed_goes_back_the_overlap_before_the_last() -> None:
    store, clock = FakeAccountStore(), FakeClock()
    sessions = _sessions(store, clock=clock)
    first = clock.now_ns
    await sessions.read_ends()
    clock.advance(1)
    await sessions.read_ends()
    store.feed_down = True
    clock.advance(1)
    await sessions.read_ends()  # failed: the next one starts where the last good one ended
    store.feed_down = False
    clock.advance(1)
    await sessions.read_ends()
    second = first + 1_000_000_000
    assert store.feed_reads == [
        first - FEED_OVERLAP_NS,
        first - FEED_OVERLAP_NS,
        second - FEED_OVERLAP_NS,
    ]
