"""Ending every session of an account, and refusing the tokens issued before.

An account has a session generation (`token_generation`, stored with the user); access and
refresh tokens carry the one they were issued under. Ending the sessions writes a new one:
refresh tokens are then refused when spent, and access tokens by `check`, which every
authenticated request calls. So that ordinary requests gain no Cassandra read, the current
generation is remembered per account for `ttl_s` (renewed in the background in the last
quarter of it: `infra/refresh_ahead.py`), and forgotten at once:

- in the process that ended the sessions, before it answers;
- in every other process when the `account.sessions_ended` event reaches it over the bus;

and `on_ended(username)` is called at the same moments, in each process (the app closes
the account's WebSockets there: the local ones without waiting for the bus);
- everything is forgotten when the bus goes down and when it is back (changes may have
  been missed), and a read under way when a change is heard does not store what it found.

So a token issued before the change fails at once in every process the bus reaches, and
within `ttl_s` in any case. While Redis is down entries are still remembered for `ttl_s`:
an outage then costs one Cassandra read per account and `ttl_s`, not one per request, at
a time when every other read falls back to Cassandra too.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Protocol

from chat_service.domain.errors import Unauthenticated
from chat_service.domain.events import Event, EventType
from chat_service.infra.refresh_ahead import RefreshAhead, due
from chat_service.repos.cache.events import BusDown, BusUp
from chat_service.services.messaging import EventPublisher
from chat_service.services.tokens import AccessClaims

_ENDED = "The session has ended; log in again."
NO_CONVERSATION = uuid.UUID(int=0)


class RememberedGenerations(Protocol):
    """A bounded mapping (`infra.caches.CacheRegistry.fifo`): username -> (generation,
    remembered until on this process's monotonic clock)."""

    def get(self, key: str) -> tuple[int, float] | None: ...

    def __setitem__(self, key: str, value: tuple[int, float]) -> None: ...

    def pop(self, key: str) -> tuple[int, float] | None: ...

    def clear(self) -> None: ...


class GenerationStore(Protocol):
    async def token_generation(self, user_id: uuid.UUID) -> int | None: ...
    async def set_token_generation(self, user_id: uuid.UUID, generation: int) -> None: ...


class Sessions:
    def __init__(
        self,
        store: GenerationStore,
        remembered: RememberedGenerations,
        bus: EventPublisher,
        ttl_s: float,
        clock_ns: Callable[[], int],
        monotonic: Callable[[], float] = time.monotonic,
        on_ended: Callable[[str], None] = lambda username: None,
        renewals: RefreshAhead | None = None,
    ) -> None:
        self._on_ended = on_ended
        self._renewals = renewals
        self._store = store
        self._remembered = remembered
        self._bus = bus
        self._ttl_s = ttl_s
        self._clock_ns = clock_ns
        self._monotonic = monotonic
        self._changes = 0  # bumped by every change heard: reads under way do not store

    async def check(self, claims: AccessClaims) -> None:
        """`Unauthenticated` when the token was issued before the account's sessions ended
        (or the account is gone)."""
        remembered = self._remembered.get(claims.username)
        left = remembered[1] - self._monotonic() if remembered is not None else 0.0
        if remembered is not None and left > 0:
            current: int | None = remembered[0]
            if due(left, self._ttl_s) and self._renewals is not None:
                self._renewals.renew(
                    "session_generations", claims.username, lambda: self._read(claims)
                )
        else:
            current = await self._read(claims)
        if current is None or claims.generation != current:
            raise Unauthenticated(_ENDED)

    async def _read(self, claims: AccessClaims) -> int | None:
        """The account's generation from the store, remembered unless a change was heard
        meanwhile; None (and forgotten) when the account is gone."""
        changes = self._changes
        found = await self._store.token_generation(claims.user_id)
        if found is None:
            self._remembered.pop(claims.username)
        elif changes == self._changes:
            self._remembered[claims.username] = (found, self._monotonic() + self._ttl_s)
        return found

    async def end_all(self, user_id: uuid.UUID, username: str) -> int:
        """End every session of the account; the new generation (for tokens issued next)."""
        generation = self._clock_ns()
        await self._store.set_token_generation(user_id, generation)
        self._forget(username)
        self._on_ended(username)
        await self._bus.publish(ended_event(username))
        return generation

    def hear(self, item: Event | BusDown | BusUp) -> None:
        """What the bus says: another process ended an account's sessions, or the bus went
        down or came back (forget everything: changes may have gone unheard)."""
        if isinstance(item, BusDown | BusUp):
            self._changes += 1
            self._remembered.clear()
        elif item.type is EventType.SESSIONS_ENDED:
            for username in item.recipients:
                self._forget(username)
                self._on_ended(username)

    def _forget(self, username: str) -> None:
        self._changes += 1
        self._remembered.pop(username)


def ended_event(username: str) -> Event:
    return Event(EventType.SESSIONS_ENDED, (username,), NO_CONVERSATION)
