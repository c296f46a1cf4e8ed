"""The per-process member lists behind typing: remembered, and forgotten on every change."""

from __future__ import annotations

import uuid

from chat_service.domain.events import Event, EventType
from chat_service.infra.caches import CacheRegistry
from chat_service.repos.cache.events import BusDown, BusUp
from chat_service.services.roster_cache import RosterCache

ROOM = uuid.uuid4()


class Loads:
    def __init__(self, *names: str) -> None:
        self.names = list(names)
        self.count = 0

    async def __call__(self) -> list[str]:
        self.count += 1
        return list(self.names)


def _cache(now: list[float] | None = None, keep_max: int = 100) -> RosterCache:
    clock = now or [0.0]
    cache = RosterCache(
        CacheRegistry().fifo("rosters", 10), ttl_s=10, keep_max=keep_max, clock=lambda: clock[0]
    )
    cache.hear(BusUp())
    return cache


async def test_a_roster_is_read_once_then_remembered_until_its_ttl() -> None:
    now = [0.0]
    cache, load = _cache(now), Loads("ann", "bob")
    assert (await cache.roster(ROOM, load)).members == {"ann", "bob"}
    await cache.roster(ROOM, load)
    assert load.count == 1
    now[0] = 10.0
    await cache.roster(ROOM, load)
    assert load.count == 2


async def test_joins_and_removals_forget_the_roster() -> None:
    cache, load = _cache(), Loads("ann")
    await cache.roster(ROOM, load)
    for kind in (EventType.MEMBER_JOINED, EventType.MEMBER_LEFT):
        load.names.append(f"x{kind.value}")
        cache.hear(Event(kind, ("ann",), ROOM, username="bob"))
        assert (await cache.roster(ROOM, load)).members == set(load.names)
    assert load.count == 3


async def test_other_events_keep_it() -> None:
    cache, load = _cache(), Loads("ann")
    await cache.roster(ROOM, load)
    cache.hear(Event(EventType.TYPING, ("ann",), ROOM, usernames=("bob",)))
    await cache.roster(ROOM, load)
    assert load.count == 1


async def test_nothing_is_remembered_while_the_bus_is_down() -> None:
    cache, load = _cache(), Loads("ann")
    await cache.roster(ROOM, load)
    cache.hear(BusDown())
    await cache.roster(ROOM, load)
    await cache.roster(ROOM, load)
    assert load.count == 3
    cache.hear(BusUp())
    await cache.roster(ROOM, load)
    await cache.roster(ROOM, load)
    assert load.count == 4


async def test_a_read_under_way_when_a_change_is_heard_is_not_kept() -> None:
    cache = _cache()

    async def load() -> list[str]:
        cache.hear(Event(EventType.MEMBER_LEFT, (), ROOM, username="bob"))
        return ["ann", "bob"]

    await cache.roster(ROOM, load)
    second = Loads("ann")
    assert (await cache.roster(ROOM, second)).members == {"ann"}
    assert second.count == 1


async def test_a_large_roster_is_remembered_by_its_size_only() -> None:
    cache, load = _cache(keep_max=2), Loads("ann", "bob", "cat")
    roster = await cache.roster(ROOM, load)
    assert roster.size == 3 and roster.members is None
    await cache.roster(ROOM, load)
    assert load.count == 1


async def test_an_empty_roster_is_not_remembered() -> None:
    cache, load = _cache(), Loads()
    await cache.roster(ROOM, load)
    await cache.roster(ROOM, load)
    assert load.count == 2
