"""A bounded in-process memory that stays right while other processes change what it holds:
the one rule the member cache, the roster cache and the marks memory share.

- `forget(key)` drops an entry: the process that made the change calls it before it
  answers, and every other process when the change's event reaches it over the bus;
- a read of the store that was under way when anything was forgotten does not store what
  it found (`started()` before the read, handed back to `keep`): it may predate the change;
- while the bus is down nothing is stored and everything is forgotten (changes made then
  go unheard): `bus_down()` and `bus_up()` say so;
- an entry is used for at most `ttl_s`, which bounds staleness should an event be lost
  while the subscription stayed up (publishing is best effort).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Generic, Protocol, TypeVar

from chat_service.infra.refresh_ahead import due

K = TypeVar("K", bound=Hashable)
K_in = TypeVar("K_in", bound=Hashable, contravariant=True)
V = TypeVar("V")


class Bounded(Protocol[K_in, V]):
    """A bounded mapping (`infra.caches.CacheRegistry.fifo`): key -> (until, value), until
    on this process's monotonic clock."""

    def get(self, key: K_in) -> tuple[float, V] | None: ...

    def __setitem__(self, key: K_in, value: tuple[float, V]) -> None: ...

    def pop(self, key: K_in) -> tuple[float, V] | None: ...

    def clear(self) -> None: ...


class HeardMemory(Generic[K, V]):
    def __init__(
        self,
        remembered: Bounded[K, V],
        ttl_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._remembered = remembered
        self._ttl_s = ttl_s
        self._clock = clock
        self._changes = 0  # bumped by every change heard: reads under way do not store
        self._bus_up = False  # until the subscription is up: changes cannot be heard before

    def get(self, key: K) -> V | None:
        """The value remembered for `key`, while it is still good."""
        entry = self._remembered.get(key)
        if entry is None or entry[0] <= self._clock():
            return None
        return entry[1]

    def lookup(self, key: K) -> tuple[V | None, bool]:
        """The value remembered for `key` while it is still good, and whether it is worth
        renewing (`infra/refresh_ahead.py`)."""
        entry = self._remembered.get(key)
        if entry is None:
            return None, False
        left = entry[0] - self._clock()
        if left <= 0:
            return None, False
        return entry[1], due(left, self._ttl_s)

    def started(self) -> int:
        """Taken before a read of the store, and handed back to `keep`."""
        return self._changes

    def keep(self, key: K, started: int, value: V) -> bool:
        """Remember `value` (read since `started`) unless a change was heard meanwhile or
        the bus is down; whether it was kept."""
        if not self._bus_up or started != self._changes:
            return False
        self._remembered[key] = (self._clock() + self._ttl_s, value)
        return True

    def forget(self, key: K) -> None:
        self._changes += 1
        self._remembered.pop(key)

    def bus_down(self) -> None:
        self._bus_up = False
        self._changes += 1
        self._remembered.clear()

    def bus_up(self) -> None:
        self._bus_up = True
