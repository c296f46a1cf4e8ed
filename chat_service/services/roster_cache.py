"""Conversations' member lists recently read, so that a typing signal needs no Cassandra
read: who may signal, and who hears it, come from memory.

Invalidated as `member_cache.py` is (`infra/heard_memory.py`): any join or removal heard
on the bus forgets the conversation's list; while the bus is down nothing is remembered
and a read under way when a change is heard does not store what it found; an entry lives
at most `ttl_s`.
A list longer than `keep_max` is not remembered (only that it is long): typing is not sent
in such groups, and their lists would take the cache's memory.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from chat_service.domain.events import Event, EventType
from chat_service.infra.heard_memory import Bounded, HeardMemory
from chat_service.repos.cache.events import BusDown, BusUp


@dataclass(frozen=True, slots=True)
class Roster:
    """A conversation's members, or only their number when there are more than kept."""

    size: int
    members: frozenset[str] | None  # None: a large conversation


class RosterCache:
    def __init__(
        self,
        remembered: Bounded[int, Roster],
        ttl_s: float,
        keep_max: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._memory: HeardMemory[int, Roster] = HeardMemory(remembered, ttl_s, clock)
        self._keep_max = keep_max

    async def roster(
        self, conversation_id: uuid.UUID, load: Callable[[], Awaitable[list[str]]]
    ) -> Roster:
        """The conversation's members, from memory or else from `load()`."""
        key = conversation_id.int
        found = self._memory.get(key)
        if found is not None:
            return found
        started = self._memory.started()
        names = await load()
        roster = Roster(len(names), frozenset(names) if len(names) <= self._keep_max else None)
        if names:
            self._memory.keep(key, started, roster)
        return roster

    def forget(self, conversation_id: uuid.UUID) -> None:
        self._memory.forget(conversation_id.int)

    def hear(self, item: Event | BusDown | BusUp) -> None:
        """What the bus says: a join or a removal, or that the subscription went down or up."""
        if isinstance(item, BusDown):
            self._memory.bus_down()
        elif isinstance(item, BusUp):
            self._memory.bus_up()
        elif item.type in (EventType.MEMBER_JOINED, EventType.MEMBER_LEFT):
            self.forget(item.conversation_id)
