"""Conversations' member lists recently read, so that a typing signal needs no Cassandra
read: who may signal, and who hears it, come from memory.

Invalidated as `member_cache.py` is: any join or removal heard on the bus forgets the
conversation's list; while the bus is down nothing is remembered and a read under way when
a change is heard does not store what it found; an entry lives at most `ttl_s`.
A list longer than `keep_max` is not remembered (only that it is long): typing is not sent
in such groups, and their lists would take the cache's memory.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from chat_service.domain.events import Event, EventType
from chat_service.repos.cache.events import BusDown, BusUp


@dataclass(frozen=True, slots=True)
class Roster:
    """A conversation's members, or only their number when there are more than kept."""

    size: int
    members: frozenset[str] | None  # None: a large conversation


class RememberedRosters(Protocol):
    """A bounded mapping (`infra.caches.CacheRegistry.fifo`): conversation -> (until, roster)."""

    def get(self, key: int) -> tuple[float, Roster] | None: ...

    def __setitem__(self, key: int, value: tuple[float, Roster]) -> None: ...

    def pop(self, key: int) -> tuple[float, Roster] | None: ...

    def clear(self) -> None: ...


class RosterCache:
    def __init__(
        self,
        remembered: RememberedRosters,
        ttl_s: float,
        keep_max: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._remembered = remembered
        self._ttl_s = ttl_s
        self._keep_max = keep_max
        self._clock = clock
        self._changes = 0  # bumped by every change heard: reads under way do not store
        self._bus_up = False

    async def roster(
        self, conversation_id: uuid.UUID, load: Callable[[], Awaitable[list[str]]]
    ) -> Roster:
        """The conversation's members, from memory or else from `load()`."""
        key = conversation_id.int
        found = self._remembered.get(key)
        if found is not None and found[0] > self._clock():
            return found[1]
        changes = self._changes
        names = await load()
        roster = Roster(len(names), frozenset(names) if len(names) <= self._keep_max else None)
        if names and self._bus_up and changes == self._changes:
            self._remembered[key] = (self._clock() + self._ttl_s, roster)
        return roster

    def forget(self, conversation_id: uuid.UUID) -> None:
        self._changes += 1
        self._remembered.pop(conversation_id.int)

    def hear(self, item: Event | BusDown | BusUp) -> None:
        """What the bus says: a join or a removal, or that the subscription went down or up."""
        if isinstance(item, BusDown):
            self._bus_up = False
            self._changes += 1
            self._remembered.clear()
        elif isinstance(item, BusUp):
            self._bus_up = True
        elif item.type in (EventType.MEMBER_JOINED, EventType.MEMBER_LEFT):
            self.forget(item.conversation_id)
