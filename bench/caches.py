"""Micro-benchmark: ns per lookup of the hand-made dict memos the service used to keep and
of `infra.caches.NamedCache` over cachetools, on a hit and on a miss that stores (with an
eviction, the cache being full). `python -m bench.caches`; figures in bench/README.md.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from chat_service.infra.caches import CacheRegistry

ENTRIES = 20_000
ROUNDS = 5
LOOKUPS = 200_000


def _keys(count: int) -> list[tuple[int, int, bool]]:
    """Keys shaped like the rendered-message memo's: (id as int, edit time, deleted)."""
    return [(uuid.uuid1().int, 0, False) for _ in range(count)]


def _ns_per_call(run: Callable[[list], None], batches: list[list]) -> float:
    """The best of the rounds (one batch of keys each), in ns per key."""
    best = float("inf")
    for keys in batches:
        started = time.perf_counter_ns()
        run(keys)
        best = min(best, (time.perf_counter_ns() - started) / len(keys))
    return best


def dict_memo() -> tuple[Callable, Callable]:
    """What render.py, timelines.py and tokens.py did: a dict, oldest first out."""
    data: dict[object, object] = {}

    def hits(keys: list) -> None:
        get = data.get
        for key in keys:
            get(key)

    def stores(keys: list) -> None:
        for key in keys:
            if data.get(key) is None:
                if len(data) >= ENTRIES:
                    del data[next(iter(data))]
                data[key] = key

    return hits, stores


def named(kind: str) -> tuple[Callable, Callable]:
    registry = CacheRegistry()
    cache = registry.fifo("bench", ENTRIES) if kind == "fifo" else registry.lru("bench", ENTRIES)

    def hits(keys: list) -> None:
        get = cache.get
        for key in keys:
            get(key)

    def stores(keys: list) -> None:
        for key in keys:
            if cache.get(key) is None:
                cache[key] = key

    return hits, stores


def main() -> None:
    print(f"{'memo':<28}{'hit ns':>10}{'miss+store ns':>16}")
    for label, make in (
        ("dict, oldest out (before)", dict_memo),
        ("NamedCache FIFO", lambda: named("fifo")),
        ("NamedCache LRU", lambda: named("lru")),
    ):
        hits, stores = make()
        warm = _keys(ENTRIES)
        stores(warm)
        hit_ns = _ns_per_call(hits, [warm * (LOOKUPS // ENTRIES)] * ROUNDS)
        store_ns = _ns_per_call(stores, [_keys(LOOKUPS) for _ in range(ROUNDS)])
        print(f"{label:<28}{hit_ns:>10.0f}{store_ns:>16.0f}")


if __name__ == "__main__":
    main()
