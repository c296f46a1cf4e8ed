"""Access tokens issued before the account's sessions ended are refused; the current
generation is remembered only while the bus can say it changed."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from chat_service.domain.errors import Unauthenticated
from chat_service.infra.refresh_ahead import RefreshAhead
from chat_service.repos.cache.events import BusDown, BusUp
from chat_service.services.sessions import Sessions, ended_event
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
    renewals: RefreshAhead | None = None,
) -> Sessions:
    return Sessions(
        store,
        Remembered(),
        FakeEventBus(),
        ttl_s=5,
        clock_ns=FakeClock(),
        monotonic=monotonic or Monotonic(),
        renewals=renewals,
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
        sessions.hear(ended_event("ann"))  # heard while the read was under way
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
    await store.set_token_generation(claims.user_id, 42)  # another process ended them
    sessions.hear(ended_event("ann"))
    with pytest.raises(Unauthenticated):
        await sessions.check(claims)


async def test_a_remembered_generation_expires() -> None:
    store, monotonic = FakeAccountStore(), Monotonic()
    sessions, claims = _sessions(store, monotonic), _ann(store)
    sessions.hear(BusUp())
    await sessions.check(claims)
    await store.set_token_generation(claims.user_id, 42)  # and the event was lost
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
    sessions.hear(ended_event("bob"))  # another process ended bob's
    assert closed == ["ann", "bob"]


async def test_a_generation_in_the_last_quarter_of_its_ttl_is_renewed_in_the_background() -> None:
    store, monotonic, renewals = FakeAccountStore(), Monotonic(), RefreshAhead()
    sessions = _sessions(store, monotonic, renewals)
    claims = _ann(store)
    await sessions.check(claims)
    monotonic.now += 3  # not yet in its last quarter: no read
    await sessions.check(claims)
    await asyncio.sleep(0)
    assert store.generation_reads == 1
    monotonic.now += 1  # in it: answered at once, renewed once meanwhile
    await sessions.check(claims)
    await sessions.check(claims)
    assert store.generation_reads == 1
    await asyncio.sleep(0)
    assert store.generation_reads == 2
    monotonic.now += 4  # renewed at +4: good until +9
    await sessions.check(claims)
    assert store.generation_reads == 2


async def test_a_renewal_that_finds_the_sessions_ended_refuses_the_old_token() -> None:
    store, monotonic, renewals = FakeAccountStore(), Monotonic(), RefreshAhead()
    sessions = _sessions(store, monotonic, renewals)
    claims = _ann(store)
    await sessions.check(claims)
    await store.set_token_generation(claims.user_id, 7)  # by another process, event lost
    monotonic.now += 4
    await sessions.check(claims)  # within the TTL's bound
    await asyncio.sleep(0)
    with pytest.raises(Unauthenticated):
        await sessions.check(claims)
