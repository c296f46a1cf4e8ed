"""Presence on fakes with a fake clock: devices, processes, last seen and its saved copy."""

from __future__ import annotations

import pytest

from chat_service.domain.errors import StoreUnavailable
from chat_service.domain.models import Presence
from chat_service.services.presence import PresenceService
from tests.unit.fakes.live import FakeLastSeen, FakeOnlineStore

START_MS = 1_800_000_000_000  # a whole minute
MINUTE_NS = 60 * 10**9


class Clock:
    def __init__(self) -> None:
        self.ms = START_MS

    def __call__(self) -> int:
        return self.ms


class Cluster:
    """Two service processes sharing one Redis and one Cassandra."""

    def __init__(self) -> None:
        self.clock = Clock()
        self.online = FakeOnlineStore()
        self.saved = FakeLastSeen()
        self.one, self.two = (
            PresenceService(
                self.online, self.saved, ttl_s=60, save_every_s=900, clock_ms=self.clock,
                process=name,
            )
            for name in ("one", "two")
        )  # fmt: skip

    async def of(self, name: str) -> Presence:
        return (await self.one.read([name]))[0]


async def test_online_while_any_device_holds_a_socket_on_any_process() -> None:
    world = Cluster()
    await world.one.connected("ann")
    await world.one.connected("ann")
    await world.two.connected("ann")
    assert await world.of("ann") == Presence("ann", True, None)
    await world.one.disconnected("ann")
    await world.one.disconnected("ann")
    assert (await world.of("ann")).online
    world.clock.ms += 90_500
    await world.two.disconnected("ann")
    assert await world.of("ann") == Presence("ann", False, (START_MS * 10**6) + MINUTE_NS)


async def test_last_seen_is_to_the_minute_and_saved_at_most_every_fifteen_minutes() -> None:
    world = Cluster()
    for _ in range(3):
        await world.one.connected("ann")
        world.clock.ms += 5 * 60_000
        await world.one.disconnected("ann")
    assert world.saved.writes == [("ann", START_MS + 5 * 60_000)]
    world.clock.ms += 15 * 60_000
    await world.one.connected("ann")
    await world.one.disconnected("ann")
    assert len(world.saved.writes) == 2


async def test_a_save_cassandra_missed_is_made_at_the_next_offline() -> None:
    world = Cluster()
    world.saved.down = True
    await world.one.connected("ann")
    await world.one.disconnected("ann")  # due to be saved, but Cassandra is down
    assert (await world.of("ann")).last_seen_ns == START_MS * 10**6  # Redis has it
    world.saved.down = False
    world.clock.ms += 60_000
    await world.one.connected("ann")
    await world.one.disconnected("ann")
    assert world.saved.writes == [("ann", START_MS + 60_000)]  # not 15 minutes later


async def test_a_crashed_process_users_go_offline_when_its_entries_run_out() -> None:
    world = Cluster()
    await world.one.connected("ann")
    world.clock.ms += 30_000
    await world.one.renew()
    world.clock.ms += 59_000
    assert (await world.of("ann")).online
    world.clock.ms += 1_000  # process one died: no renewal for 60 s
    found = await world.of("ann")
    assert not found.online and found.last_seen_ns == (START_MS // 60_000 * 60_000) * 10**6


async def test_renewal_covers_only_the_process_own_users() -> None:
    world = Cluster()
    await world.one.connected("ann")
    await world.two.connected("bob")
    world.clock.ms += 50_000
    await world.two.renew()
    world.clock.ms += 20_000
    assert [p.online for p in await world.one.read(["ann", "bob"])] == [False, True]


async def test_names_never_seen_are_offline_and_cassandra_is_asked_once() -> None:
    world = Cluster()
    world.saved.rows["old"] = START_MS - 3_600_000 + 59_999
    found = await world.one.read(["nobody", "old"])
    assert found == [
        Presence("nobody", False, None),
        Presence("old", False, (START_MS - 3_600_000) * 10**6),
    ]
    assert await world.one.read(["nobody", "old"]) == found
    assert world.saved.reads == 1


async def test_redis_down_degrades_presence_but_not_sockets() -> None:
    world = Cluster()
    world.online.down = True
    await world.one.connected("ann")
    await world.one.disconnected("ann")
    with pytest.raises(StoreUnavailable):
        await world.one.read(["ann"])
    world.online.down = False
    await world.one.connected("ann")
    assert (await world.of("ann")).online
