import asyncio
import uuid

from chat_service.domain.events import Event, EventType
from chat_service.infra.caches import CacheRegistry, NamedCache
from chat_service.infra.refresh_ahead import RefreshAhead
from chat_service.repos.cache.events import BusDown, BusUp
from chat_service.services.member_cache import MemberCache

ROOM = uuid.uuid4()


class Roster:
    """A stand-in for the Cassandra read: counts loads, answers from a set."""

    def __init__(self, *members: str) -> None:
        self.members = set(members)
        self.loads = 0

    def loader(self, username: str):
        async def load() -> bool:
            self.loads += 1
            return username in self.members

        return load


def _remembered(max_entries: int = 100) -> NamedCache:
    return CacheRegistry().fifo("members", max_entries)


def _ready_cache(
    remembered: NamedCache | None = None,
    ttl_s: float = 10,
    clock=lambda: 0.0,
    renewals: RefreshAhead | None = None,
) -> MemberCache:
    cache = MemberCache(
        _remembered() if remembered is None else remembered, ttl_s, clock, renewals=renewals
    )
    cache.hear(BusUp())
    return cache


async def _check(cache: MemberCache, roster: Roster, username: str = "ann") -> bool:
    return await cache.is_member(ROOM, username, roster.loader(username))


def test_a_member_is_read_once_then_remembered() -> None:
    async def scenario() -> None:
        cache, roster = _ready_cache(), Roster("ann")
        assert await _check(cache, roster) and await _check(cache, roster)
        assert roster.loads == 1

    asyncio.run(scenario())


def test_a_non_member_is_never_remembered() -> None:
    async def scenario() -> None:
        cache, roster = _ready_cache(), Roster()
        assert not await _check(cache, roster)
        roster.members.add("ann")  # joins
        assert await _check(cache, roster)
        assert roster.loads == 2

    asyncio.run(scenario())


def test_a_removal_heard_from_the_bus_takes_effect_at_once() -> None:
    async def scenario() -> None:
        cache, roster = _ready_cache(), Roster("ann")
        await _check(cache, roster)
        roster.members.discard("ann")
        cache.hear(Event(EventType.MEMBER_LEFT, ("bob",), ROOM, username="ann"))
        assert not await _check(cache, roster)

    asyncio.run(scenario())


def test_a_read_under_way_when_a_removal_is_heard_stores_nothing() -> None:
    async def scenario() -> None:
        cache, roster = _ready_cache(), Roster("ann")
        release = asyncio.Event()

        async def slow_load() -> bool:
            await release.wait()
            return True  # what Cassandra said before the removal

        read = asyncio.create_task(cache.is_member(ROOM, "ann", slow_load))
        await asyncio.sleep(0)
        cache.forget(ROOM, "ann")
        release.set()
        assert await read
        roster.members.clear()
        assert not await _check(cache, roster)

    asyncio.run(scenario())


def test_nothing_is_remembered_while_the_bus_is_down_or_before_it_is_up() -> None:
    async def scenario() -> None:
        roster = Roster("ann")
        not_yet = MemberCache(_remembered(), ttl_s=10)
        await _check(not_yet, roster)
        await _check(not_yet, roster)
        assert roster.loads == 2
        cache = _ready_cache()
        await _check(cache, roster)
        cache.hear(BusDown())
        await _check(cache, roster)
        await _check(cache, roster)
        assert roster.loads == 5

    asyncio.run(scenario())


def test_entries_expire_and_the_cache_stays_bounded() -> None:
    async def scenario() -> None:
        now = [0.0]
        remembered = _remembered(max_entries=2)
        cache, roster = _ready_cache(remembered, ttl_s=5, clock=lambda: now[0]), Roster("ann")
        await _check(cache, roster)
        now[0] = 6.0
        await _check(cache, roster)
        assert roster.loads == 2
        for name in ("b", "c", "d"):
            roster.members.add(name)
            await _check(cache, roster, name)
        assert (len(remembered), remembered.evictions) == (2, 2)
        await _check(cache, roster, "b")  # forgotten to make room: read again
        assert roster.loads == 6

    asyncio.run(scenario())


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_member_in_the_last_quarter_of_its_ttl_is_renewed_in_the_background() -> None:
    async def scenario() -> None:
        clock, renewals = Clock(), RefreshAhead()
        cache = _ready_cache(clock=clock, renewals=renewals)
        roster = Roster("ann")
        assert await _check(cache, roster)
        clock.now = 7.0  # not yet in its last quarter: no read
        assert await _check(cache, roster)
        await asyncio.sleep(0)
        assert roster.loads == 1
        clock.now = 8.0  # answered from memory at once, and renewed once meanwhile
        assert await _check(cache, roster) and await _check(cache, roster)
        assert roster.loads == 1
        await asyncio.sleep(0)  # the renewal runs
        assert roster.loads == 2
        clock.now = 17.0  # renewed at 8: good until 18, without waiting for the store
        assert await _check(cache, roster) and roster.loads == 2

    asyncio.run(scenario())


def test_a_renewal_that_finds_the_member_gone_forgets_them() -> None:
    async def scenario() -> None:
        clock, renewals = Clock(), RefreshAhead()
        cache = _ready_cache(clock=clock, renewals=renewals)
        roster = Roster("ann")
        assert await _check(cache, roster)
        roster.members.clear()  # removed, and the event lost
        clock.now = 8.0
        assert await _check(cache, roster)  # still within the TTL's bound
        await asyncio.sleep(0)
        assert not await _check(cache, roster)
        assert roster.loads == 3

    asyncio.run(scenario())
