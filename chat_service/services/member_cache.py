"""Members recently found, so that reading a conversation's history needs no Cassandra read
to prove access on every request.

Only "is a member" is remembered, never "is not", so a join takes effect at once. A removal
must take effect at once too, hence:

- the process that removes a member forgets them before it answers;
- every other process forgets them when the `member_left` event reaches it over the bus
  (every process hears membership changes, on `chat:cache-changes`), typically within a
  millisecond or two;
- while the bus is down nothing is remembered (removals could be missed), and a read that
  was already under way when a removal was heard does not store what it found;
- an entry lives at most `LOCAL_CACHE_MEMBERS_TTL_S`, which bounds
  staleness should an event be lost while the subscription stayed up (publishing is best
  effort).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Protocol

from chat_service.domain.events import Event, EventType
from chat_service.repos.cache.events import BusDown, BusUp

# The conversation id's integer: a UUID hashes itself in Python, an int in C.
_Key = tuple[int, str]


class RememberedMembers(Protocol):
    """A bounded mapping (`infra.caches.CacheRegistry.fifo`): member -> remembered until
    (this process's monotonic clock). Checking the time here, on a C-speed mapping, costs
    a fraction of a cachetools TTL lookup, on every history read."""

    def get(self, key: _Key) -> float | None: ...

    def __setitem__(self, key: _Key, until: float) -> None: ...

    def pop(self, key: _Key) -> float | None: ...

    def clear(self) -> None: ...


class MemberCache:
    def __init__(
        self,
        remembered: RememberedMembers,
        ttl_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._remembered = remembered
        self._ttl_s = ttl_s
        self._clock = clock
        self._forgettings = 0  # bumped by every removal heard: reads under way do not store
        self._bus_up = False  # until the subscription is up: removals cannot be heard before

    def knows(self, conversation_id: uuid.UUID, username: str) -> bool:
        """Whether `username` is remembered as a member (no read: the hot path's check)."""
        until = self._remembered.get((conversation_id.int, username))
        return until is not None and until > self._clock()

    async def is_member(
        self, conversation_id: uuid.UUID, username: str, load: Callable[[], Awaitable[bool]]
    ) -> bool:
        """Whether `username` is a member, from memory or else from `load()`."""
        if self.knows(conversation_id, username):
            return True
        key = (conversation_id.int, username)
        forgettings = self._forgettings
        found = await load()
        if found and self._bus_up and forgettings == self._forgettings:
            self._remembered[key] = self._clock() + self._ttl_s
        elif not found:
            self._remembered.pop(key)
        return found

    def forget(self, conversation_id: uuid.UUID, username: str) -> None:
        self._forgettings += 1
        self._remembered.pop((conversation_id.int, username))

    def hear(self, item: Event | BusDown | BusUp) -> None:
        """What the bus says: a removal, or that the subscription went down or is up."""
        if isinstance(item, BusDown):
            self.bus_down()
        elif isinstance(item, BusUp):
            self.bus_up()
        elif item.type is EventType.MEMBER_LEFT and item.username is not None:
            self.forget(item.conversation_id, item.username)

    def bus_down(self) -> None:
        self._bus_up = False
        self._forgettings += 1
        self._remembered.clear()

    def bus_up(self) -> None:
        self._bus_up = True
