"""The rule the bus-heard memories share: kept only while the bus is up and nothing was
forgotten since the read began, forgotten on demand and when the bus goes down, never used
past its age."""

from __future__ import annotations

from chat_service.infra.caches import CacheRegistry
from chat_service.infra.heard_memory import HeardMemory


def _memory(now: list[float]) -> HeardMemory[str, int]:
    memory: HeardMemory[str, int] = HeardMemory(
        CacheRegistry().fifo("heard", 10), ttl_s=5.0, clock=lambda: now[0]
    )
    memory.bus_up()
    return memory


def test_kept_until_its_age_then_forgotten() -> None:
    now = [0.0]
    memory = _memory(now)
    assert memory.keep("a", memory.started(), 1) and memory.get("a") == 1
    now[0] = 5.0
    assert memory.get("a") is None


def test_a_read_under_way_when_anything_is_forgotten_keeps_nothing() -> None:
    memory = _memory([0.0])
    started = memory.started()
    memory.forget("other")
    assert not memory.keep("a", started, 1) and memory.get("a") is None
    memory.keep("a", memory.started(), 2)
    memory.forget("a")
    assert memory.get("a") is None


def test_nothing_is_kept_before_the_bus_is_up_or_while_it_is_down() -> None:
    now = [0.0]
    memory: HeardMemory[str, int] = HeardMemory(
        CacheRegistry().fifo("heard", 10), ttl_s=5.0, clock=lambda: now[0]
    )
    assert not memory.keep("a", memory.started(), 1)
    memory.bus_up()
    memory.keep("a", memory.started(), 1)
    memory.bus_down()
    assert memory.get("a") is None
    assert not memory.keep("a", memory.started(), 1)
    memory.bus_up()
    assert memory.keep("a", memory.started(), 1)
