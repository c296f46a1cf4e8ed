"""Ending every session of an account, and refusing the tokens issued before.

An account has a session generation (`token_generation`, stored with the user); access and
refresh tokens carry the one they were issued under. Ending the sessions writes a new one
(with a row in the feed of ends, in the same batch): refresh tokens are then refused when
spent, and access tokens by `check`, which every authenticated request calls. So that
ordinary requests gain no Cassandra read, the current generation is remembered per
account, and each process learns of ends:

- at once in the process that ended the sessions, before it answers;
- at once in every other process when the `account.sessions_ended` event reaches it over
  the bus (best effort);
- within about `SESSION_ENDS_POLL_S` in every process from the feed, read with one query
  every `SESSION_ENDS_POLL_S` (`follow_ends`), however many accounts it remembers.

A remembered generation is trusted for `ttl_s` after it was read; beyond that only while
the feed has been read within `ttl_s`, and for `keep_s` at most. So a token issued before
an end fails within `ttl_s` in any case, as when every account was read again each
`ttl_s`, which cost one Cassandra read per active account and `ttl_s` on every process.
`on_ended(username)` is called once per end in each process, as it first learns of it
(the app closes the account's WebSockets there): the event carries the new generation, so
hearing an end already learned (this process's own, or one the feed brought first) does
nothing, and a socket opened again since is left open. Everything is forgotten when the
bus goes down and when it is back, and a read under way when a change is learned does not
store what it found.
"""

from __future__ import annotations

import asyncio
import math
import time
import uuid
from collections.abc import Callable
from typing import Protocol

import structlog

from chat_service.domain.errors import StoreUnavailable, Unauthenticated
from chat_service.domain.events import Event, EventType
from chat_service.repos.cache.events import BusDown, BusUp
from chat_service.services.messaging import EventPublisher
from chat_service.services.tokens import AccessClaims

log = structlog.get_logger(__name__)

_ENDED = "The session has ended; log in again."
NO_CONVERSATION = uuid.UUID(int=0)
# Each read of the feed goes back this far before the last one: an end written by a process
# whose clock is behind, or seen late by the replicas read, is still found.
FEED_OVERLAP_NS = 10 * 1_000_000_000


class RememberedGenerations(Protocol):
    """A bounded mapping (`infra.caches.CacheRegistry.fifo`): username -> (generation,
    when it was stored, on this process's monotonic clock)."""

    def get(self, key: str) -> tuple[int, float] | None: ...

    def __setitem__(self, key: str, value: tuple[int, float]) -> None: ...

    def pop(self, key: str) -> tuple[int, float] | None: ...

    def clear(self) -> None: ...


class GenerationStore(Protocol):
    async def token_generation(self, user_id: uuid.UUID) -> int | None: ...
    async def end_sessions(self, user_id: uuid.UUID, username: str, generation: int) -> None: ...
    async def ends_since(self, since_ns: int, until_ns: int) -> list[tuple[int, str]]: ...


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
        keep_s: float = 600.0,
    ) -> None:
        self._on_ended = on_ended
        self._store = store
        self._remembered = remembered
        self._bus = bus
        self._ttl_s = ttl_s
        self._keep_s = keep_s
        self._clock_ns = clock_ns
        self._monotonic = monotonic
        self._changes = 0  # bumped by every change learned: reads under way do not store
        self._feed_read_at = -math.inf  # when the last read of the feed that succeeded began
        self._feed_read_to_ns: int | None = None  # and the wall-clock time it read up to

    async def check(self, claims: AccessClaims) -> None:
        """`Unauthenticated` when the token was issued before the account's sessions ended
        (or the account is gone)."""
        remembered = self._remembered.get(claims.username)
        if remembered is not None and self._trusted(remembered[1]):
            current: int | None = remembered[0]
        else:
            current = await self._read(claims)
        if current is None or claims.generation != current:
            raise Unauthenticated(_ENDED)

    def _trusted(self, stored_at: float) -> bool:
        now = self._monotonic()
        age = now - stored_at
        if age < self._ttl_s:
            return True
        return age < self._keep_s and now - self._feed_read_at < self._ttl_s

    async def _read(self, claims: AccessClaims) -> int | None:
        """The account's generation from the store, remembered unless a change was learned
        meanwhile; None (and forgotten) when the account is gone."""
        changes = self._changes
        found = await self._store.token_generation(claims.user_id)
        if found is None:
            self._remembered.pop(claims.username)
        elif changes == self._changes:
            self._remembered[claims.username] = (found, self._monotonic())
        return found

    async def end_all(self, user_id: uuid.UUID, username: str) -> int:
        """End every session of the account; the new generation (for tokens issued next)."""
        generation = self._clock_ns()
        await self._store.end_sessions(user_id, username, generation)
        self._remember_end(username, generation)
        await self._bus.publish(ended_event(username, generation))
        return generation

    async def follow_ends(self, every_s: float) -> None:
        """Read the feed of ends every `every_s`, for as long as the app runs."""
        while True:
            try:
                await self.read_ends()
            except Exception:  # the loop must outlive a bug; unread, the TTL rule holds
                log.exception("sessions.feed_failed")
            await asyncio.sleep(every_s)

    async def read_ends(self) -> None:
        """Learn the ends written since the last read (and `FEED_OVERLAP_NS` before it)."""
        began, now_ns = self._monotonic(), self._clock_ns()
        since = self._feed_read_to_ns if self._feed_read_to_ns is not None else now_ns
        try:
            ends = await self._store.ends_since(since - FEED_OVERLAP_NS, now_ns)
        except StoreUnavailable as exc:
            log.warning("sessions.feed_unread", error=str(exc))
            return
        for generation, username in ends:
            self._learn(username, generation)
        self._feed_read_at, self._feed_read_to_ns = began, now_ns

    def hear(self, item: Event | BusDown | BusUp) -> None:
        """What the bus says: another process ended an account's sessions, or the bus went
        down or came back (forget everything: changes may have gone unheard)."""
        if isinstance(item, BusDown | BusUp):
            self._changes += 1
            self._remembered.clear()
        elif item.type is EventType.SESSIONS_ENDED:
            for username in item.recipients:
                if item.generation is not None:
                    self._learn(username, item.generation)
                    continue
                self._changes += 1  # a process of an earlier version: read it again
                self._remembered.pop(username)
                self._on_ended(username)

    def _learn(self, username: str, generation: int) -> None:
        """The account's sessions ended with `generation`, unless what is remembered is as
        new (this process ended them, or has read the new generation since): its earlier
        tokens are refused."""
        remembered = self._remembered.get(username)
        if remembered is None or remembered[0] < generation:
            self._remember_end(username, generation)

    def _remember_end(self, username: str, generation: int) -> None:
        self._changes += 1
        self._remembered[username] = (generation, self._monotonic())
        self._on_ended(username)


def ended_event(username: str, generation: int | None) -> Event:
    return Event(EventType.SESSIONS_ENDED, (username,), NO_CONVERSATION, generation=generation)
