"""Members recently found, so that reading a conversation's history needs no Cassandra read
to prove access on every request.

Only "is a member" is remembered, never "is not", so a join takes effect at once. A removal
must take effect at once too, hence:

- the process that removes a member forgets them before it answers;
- every other process forgets them when the `member_left` event reaches it over the bus
  (every process hears every event), typically within a millisecond or two;
- while the bus is down nothing is remembered (removals could be missed), and a read that
  was already under way when a removal was heard does not store what it found;
- an entry lives at most `ttl_s`, which bounds staleness should an event be lost while the
  subscription stayed up (publishing is best effort).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable

from chat_service.domain.events import Event, EventType
from chat_service.repos.cache.events import BusDown, BusUp

_Key = tuple[uuid.UUID, str]


class MemberCache:
    def __init__(
        self,
        ttl_s: float = 10.0,
        max_entries: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl_s = ttl_s
        self._max_entries = max_entries
        self._clock = clock
        self._until: dict[_Key, float] = {}
        self._forgettings = 0  # bumped by every removal heard: reads under way do not store
        self._bus_up = False  # until the subscription is up: removals cannot be heard before

    async def is_member(
        self, conversation_id: uuid.UUID, username: str, load: Callable[[], Awaitable[bool]]
    ) -> bool:
        """Whether `username` is a member, from memory or else from `load()`."""
        key = (conversation_id, username)
        until = self._until.get(key)
        if until is not None and until > self._clock():
            return True
        forgettings = self._forgettings
        found = await load()
        if found and self._bus_up and forgettings == self._forgettings:
            if len(self._until) >= self._max_entries:
                del self._until[next(iter(self._until))]
            self._until[key] = self._clock() + self._ttl_s
        elif not found:
            self._until.pop(key, None)
        return found

    def forget(self, conversation_id: uuid.UUID, username: str) -> None:
        self._forgettings += 1
        self._until.pop((conversation_id, username), None)

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
        self._until.clear()

    def bus_up(self) -> None:
        self._bus_up = True
