"""Bounded in-process caches, each named, sized from a setting by `app.py`, and visible in
Prometheus (as Synapse's `register_cache` does). Least-recently-used caches (with a size
budget) are cachetools'; first-in-first-out ones, which the hot paths read
on every request, are a small class over the C `OrderedDict` (see `_FIFO`).

Lookups only bump plain integers on the cache; `CacheRegistry.publish` turns them into the
`local_cache_*` metrics, which `app.py` runs once a second (and once more on shutdown), so
no hot path pays for a Prometheus call (a multiprocess-mode counter write costs more than
the lookup it would count).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

import cachetools
from prometheus_client import Counter, Gauge

from chat_service.infra import metrics

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

PUBLISH_INTERVAL_S = 1.0
# In the order of `CacheRegistry.publish`'s figures.
_METRICS: tuple[Gauge | Counter, ...] = (
    metrics.LOCAL_CACHE_SIZE,
    metrics.LOCAL_CACHE_MAX_SIZE,
    metrics.LOCAL_CACHE_HITS,
    metrics.LOCAL_CACHE_MISSES,
    metrics.LOCAL_CACHE_EVICTIONS,
)


class _CountsEvictions:
    """Mixed into a cachetools class: `popitem` is what it calls to make room."""

    evictions = 0

    def popitem(self) -> tuple[Any, Any]:
        item = super().popitem()  # type: ignore[misc]
        self.evictions += 1
        return item


class _FIFO(OrderedDict[Any, Any]):
    """First in, first out, written by hand over the C `OrderedDict`: these caches are read
    on every request of the hot paths, where a cachetools lookup (several Python frames)
    cost 2-3% of a cached history read (bench/README.md). Reads are the dict's own."""

    def __init__(self, maxsize: int) -> None:
        super().__init__()
        self.maxsize = maxsize
        self.evictions = 0

    def __setitem__(self, key: Any, value: Any) -> None:
        if len(self) >= self.maxsize and key not in self:
            self.popitem(last=False)
            self.evictions += 1
        super().__setitem__(key, value)

    @property
    def currsize(self) -> int:
        return len(self)


class _LRU(_CountsEvictions, cachetools.LRUCache):
    pass


_Data = _FIFO | _LRU


class NamedCache(Generic[K, V]):
    """A bounded mapping that counts its hits and misses. Values are never None (a miss
    answers None)."""

    __slots__ = ("_data", "hits", "misses", "name")

    def __init__(self, name: str, data: _Data) -> None:
        self.name = name
        self._data = data
        self.hits = 0
        self.misses = 0

    def get(self, key: K) -> V | None:
        try:
            value: V = self._data[key]
        except KeyError:
            self.misses += 1
            return None
        self.hits += 1
        return value

    def __contains__(self, key: K) -> bool:
        if key in self._data:
            self.hits += 1
            return True
        self.misses += 1
        return False

    def __setitem__(self, key: K, value: V) -> None:
        try:
            self._data[key] = value
        except ValueError:  # a single value larger than the whole budget: not kept
            self._data.pop(key, None)

    def pop(self, key: K) -> V | None:
        value: V | None = self._data.pop(key, None)
        return value

    def clear(self) -> None:
        self._data.clear()

    def __len__(self) -> int:
        return len(self._data)

    @property
    def size(self) -> int:
        """Entries held, or their total size for a cache with a size budget."""
        return int(self._data.currsize)

    @property
    def max_size(self) -> int:
        return int(self._data.maxsize)

    @property
    def evictions(self) -> int:
        """Entries dropped to make room (expired entries are not counted)."""
        return int(self._data.evictions)


class CacheRegistry:
    """Creates the process's named caches and publishes their figures to Prometheus."""

    def __init__(self) -> None:
        self._caches: dict[str, NamedCache[Any, Any]] = {}
        # What this registry last added to each metric, per cache: publishing adds the
        # difference, so several apps in one process (tests) and several workers (gauges
        # in `livesum` mode) add up instead of overwriting each other.
        self._published: dict[str, tuple[int, int, int, int, int]] = {}

    def fifo(self, name: str, max_entries: int) -> NamedCache[Any, Any]:
        """Forgets the entry stored first when full; neither a hit nor storing the same key
        again renews an entry."""
        return self._register(name, _FIFO(max_entries))

    def lru(
        self, name: str, max_size: int, sizeof: Callable[[Any], int] | None = None
    ) -> NamedCache[Any, Any]:
        """Forgets the entry used least recently; with `sizeof`, `max_size` is a budget of
        the values' total size instead of a number of entries."""
        return self._register(name, _LRU(max_size, getsizeof=sizeof))

    def publish(self) -> None:
        """Add what changed since the last call to the `local_cache_*` metrics."""
        for name, cache in self._caches.items():
            now = (cache.size, cache.max_size, cache.hits, cache.misses, cache.evictions)
            before = self._published.get(name, (0, 0, 0, 0, 0))
            self._published[name] = now
            for metric, value, last in zip(_METRICS, now, before, strict=True):
                if value != last:
                    metric.labels(name).inc(value - last)

    async def publish_every(self, interval_s: float = PUBLISH_INTERVAL_S) -> None:
        """Publish until cancelled."""
        while True:
            await asyncio.sleep(interval_s)
            self.publish()

    def close(self) -> None:
        """Publish the last counts and withdraw the sizes (the caches go with the app)."""
        self.publish()
        for name, (size, max_size, hits, misses, evictions) in self._published.items():
            metrics.LOCAL_CACHE_SIZE.labels(name).dec(size)
            metrics.LOCAL_CACHE_MAX_SIZE.labels(name).dec(max_size)
            self._published[name] = (0, 0, hits, misses, evictions)
        self._caches.clear()

    def _register(self, name: str, data: _Data) -> NamedCache[Any, Any]:
        if name in self._caches:
            raise ValueError(f"a cache named {name!r} exists already")
        cache: NamedCache[Any, Any] = NamedCache(name, data)
        self._caches[name] = cache
        for metric in _METRICS:
            metric.labels(name)  # a series from the start, so rate() sees the first hits
        return cache
