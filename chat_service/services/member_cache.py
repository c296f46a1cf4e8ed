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

That is `infra/heard_memory.py`'s rule; this module says which events forget what. An
entry in the last quarter of its life is renewed in the background when a reader sees it
(`infra/refresh_ahead.py`), so a busy reader does not wait for Cassandra every TTL; a
renewal that finds the member gone forgets them.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable

from chat_service.domain.events import Event, EventType
from chat_service.infra.heard_memory import Bounded, HeardMemory
from chat_service.infra.refresh_ahead import RefreshAhead
from chat_service.repos.cache.events import BusDown, BusUp

# The conversation id's integer: a UUID hashes itself in Python, an int in C.
_Key = tuple[int, str]


class MemberCache:
    def __init__(
        self,
        remembered: Bounded[_Key, bool],
        ttl_s: float,
        clock: Callable[[], float] = time.monotonic,
        renewals: RefreshAhead | None = None,
    ) -> None:
        self._memory: HeardMemory[_Key, bool] = HeardMemory(remembered, ttl_s, clock)
        self._renewals = renewals

    async def is_member(
        self, conversation_id: uuid.UUID, username: str, load: Callable[[], Awaitable[bool]]
    ) -> bool:
        """Whether `username` is a member, from memory or else from `load()`."""
        key = (conversation_id.int, username)
        known, due = self._memory.lookup(key)
        if known is None:
            return await self._load(key, load)
        if due and self._renewals is not None:
            self._renewals.renew("members", key, lambda: self._renew(key, load))
        return True

    async def _load(self, key: _Key, load: Callable[[], Awaitable[bool]]) -> bool:
        started = self._memory.started()
        found = await load()
        if found:
            self._memory.keep(key, started, True)
        return found

    async def _renew(self, key: _Key, load: Callable[[], Awaitable[bool]]) -> None:
        if not await self._load(key, load):
            self._memory.forget(key)  # removed, and the event went unheard

    def forget(self, conversation_id: uuid.UUID, username: str) -> None:
        self._memory.forget((conversation_id.int, username))

    def hear(self, item: Event | BusDown | BusUp) -> None:
        """What the bus says: a removal, or that the subscription went down or is up."""
        if isinstance(item, BusDown):
            self._memory.bus_down()
        elif isinstance(item, BusUp):
            self._memory.bus_up()
        elif item.type is EventType.MEMBER_LEFT and item.username is not None:
            self.forget(item.conversation_id, item.username)
