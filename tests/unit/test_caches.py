"""The named in-process caches: bounds, counts, and what they publish to Prometheus."""

from __future__ import annotations

import uuid

import pytest
from prometheus_client import REGISTRY

from chat_service.infra.caches import CacheRegistry


def _name() -> str:
    return f"test_{uuid.uuid4().hex[:8]}"  # the Prometheus registry is shared by the process


def _sample(metric: str, name: str) -> float | None:
    return REGISTRY.get_sample_value(metric, {"cache": name})


def test_a_fifo_cache_counts_hits_misses_and_evictions() -> None:
    cache = CacheRegistry().fifo(_name(), 2)
    cache["a"], cache["b"] = 1, 2
    assert cache.get("a") == 1  # a hit does not renew "a"
    cache["c"] = 3
    assert cache.get("a") is None and "b" in cache and "c" in cache
    assert (cache.hits, cache.misses, cache.evictions, len(cache)) == (3, 1, 1, 2)


def test_an_lru_cache_keeps_what_was_used_last() -> None:
    cache = CacheRegistry().lru(_name(), 2)
    cache["a"], cache["b"] = 1, 2
    assert cache.get("a") == 1
    cache["c"] = 3
    assert cache.get("b") is None and cache.get("a") == 1


def test_a_byte_budget_evicts_by_size_and_refuses_a_value_above_it() -> None:
    cache = CacheRegistry().lru(_name(), 10, sizeof=len)
    cache["a"], cache["b"] = "x" * 4, "y" * 4
    cache["c"] = "z" * 4
    assert (cache.size, cache.evictions, cache.get("a")) == (8, 1, None)
    cache["b"] = "w" * 11  # larger than the whole budget: not kept, nor the old value
    assert cache.get("b") is None and cache.get("c") == "zzzz"


def test_names_are_unique_within_a_registry() -> None:
    registry = CacheRegistry()
    name = _name()
    registry.fifo(name, 1)
    with pytest.raises(ValueError):
        registry.lru(name, 1)


def test_publishing_adds_what_changed_and_closing_withdraws_the_size() -> None:
    registry, name = CacheRegistry(), _name()
    cache = registry.fifo(name, 2)
    assert _sample("local_cache_hits_total", name) == 0  # a series from the start
    for key in ("a", "b", "c"):
        cache[key] = key
    cache.get("c")
    cache.get("a")
    registry.publish()
    registry.publish()  # nothing changed: nothing added twice
    assert _sample("local_cache_size", name) == 2
    assert _sample("local_cache_max_size", name) == 2
    assert _sample("local_cache_hits_total", name) == 1
    assert _sample("local_cache_misses_total", name) == 1
    assert _sample("local_cache_evictions_total", name) == 1
    cache.get("b")
    registry.close()
    assert _sample("local_cache_hits_total", name) == 2
    assert _sample("local_cache_size", name) == 0
