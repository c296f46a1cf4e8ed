"""Typing indicators: who is typing in a conversation, sent to its other connected members.

A signal costs one Redis script and, at most once per quiet period per user, one event; no
Cassandra statement once this process has the conversation's member list in memory
(`roster_cache.py`). A user stops counting `EXPIRES_MS` after their last signal, or when
they send a message there (ended with the message's other Redis writes, then
`stopped_typing`). Groups of more than
`GROUP_MAX` members get no typing events at all (Zulip's rule: the fan-out would cost more
than it is worth).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from typing import Protocol

from chat_service.domain.errors import NotFound
from chat_service.domain.events import Event, EventType
from chat_service.infra import metrics
from chat_service.services.access import ConversationAccess
from chat_service.services.messaging import EventPublisher
from chat_service.services.ports import ConversationStore
from chat_service.services.roster_cache import RosterCache

EXPIRES_MS = 5_000  # a user stops counting this long after their last signal
QUIET_MS = 2_000  # repeated signals within this time are not sent out again
GROUP_MAX = 100  # no typing events in larger conversations


class TypingStore(Protocol):
    """Who is typing (`repos.cache.typing.TypingRegistry`)."""

    async def signal(
        self,
        conversation_id: uuid.UUID,
        username: str,
        now_ms: int,
        expires_ms: int,
        quiet_ms: int,
    ) -> list[str] | None: ...


def _wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class TypingService:
    def __init__(
        self,
        store: TypingStore,
        rosters: RosterCache,
        conversations: ConversationStore,
        access: ConversationAccess,
        events: EventPublisher,
        clock_ms: Callable[[], int] = _wall_clock_ms,
    ) -> None:
        self._store = store
        self._rosters = rosters
        self._conversations = conversations
        self._access = access
        self._events = events
        self._clock_ms = clock_ms

    async def signal(self, caller: str, conversation_id: uuid.UUID) -> None:
        """`caller` is typing in the conversation; `NotFound` unless they are a member."""
        metrics.TYPING_SIGNALS.inc()

        async def load() -> list[str]:
            return [m.username for m in await self._conversations.members(conversation_id)]

        roster = await self._rosters.roster(conversation_id, load)
        if roster.members is None:  # a large group: nothing is sent, only access is checked
            await self._access.require_member(caller, conversation_id)
            return
        if caller not in roster.members:
            raise NotFound("The conversation does not exist.")
        typing = await self._store.signal(
            conversation_id, caller, self._clock_ms(), EXPIRES_MS, QUIET_MS
        )
        if typing is not None:
            await self._fan_out(conversation_id, caller, roster.members, typing)

    def stop_at_ms(self, members: Sequence[str]) -> int | None:
        """When a sender's message ends their typing (now), or None in a conversation too
        large for typing: the message writer ends it in the message's own Redis round trip."""
        return None if len(members) > GROUP_MAX else self._clock_ms()

    async def stopped_typing(
        self,
        conversation_id: uuid.UUID,
        sender: str,
        members: Sequence[str],
        typing: list[str],
    ) -> None:
        """`sender` was typing and sent a message: the others hear who is still typing."""
        await self._fan_out(conversation_id, sender, members, typing)

    async def _fan_out(
        self,
        conversation_id: uuid.UUID,
        typist: str,
        members: frozenset[str] | Sequence[str],
        typing: list[str],
    ) -> None:
        recipients = tuple(sorted(name for name in members if name != typist))
        if not recipients:
            return
        metrics.TYPING_FANOUTS.inc()
        await self._events.publish(
            Event(EventType.TYPING, recipients, conversation_id, usernames=tuple(typing))
        )
