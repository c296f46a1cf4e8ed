"""The marks of a page of history (reactions and pins), for one viewer, read with at most
one query per day bucket of the page plus one for the pin set, whatever the page's size,
and remembered in process under the timeline's version (`repos/cache/marks.py`).

A timeline is a conversation (its rows) or one user's direct messages (their copies).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Sequence
from typing import NamedTuple

from chat_service.domain.ids import day_bucket, sort_key
from chat_service.domain.models import NO_MARKS, Message, MessageMarks, PageMarks
from chat_service.domain.reactions import MessageReactions, summary
from chat_service.domain.timelines import ConversationTimeline, DirectMessagesTimeline, Timeline
from chat_service.infra.caches import NamedCache
from chat_service.repos.cache.marks import MarkVersions
from chat_service.repos.pins import PinRepository
from chat_service.repos.reactions import ReactionRepository


class _Remembered(NamedTuple):
    token: str
    read_at_s: float
    oldest: str  # the sort keys of the range read (reactions); "" for a pin set
    newest: str
    value: object  # dict[int, MessageReactions] or frozenset[int]


MarkMemos = NamedCache[tuple[str, int], _Remembered]
_PINS = -1  # the memo "bucket" of a timeline's pin set


def timeline_name(timeline: Timeline) -> str:
    if isinstance(timeline, DirectMessagesTimeline):
        return DirectMessagesTimeline.name_of(timeline.owner)
    assert isinstance(timeline, ConversationTimeline)
    return ConversationTimeline.name_of(timeline.owner)


class MarksReader:
    def __init__(
        self,
        reactions: ReactionRepository,
        pins: PinRepository,
        versions: MarkVersions,
        memos: MarkMemos,
        max_age_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._reactions = reactions
        self._pins = pins
        self._versions = versions
        self._memos = memos
        self._max_age_s = max_age_s
        self._clock = clock

    async def page_marks(
        self, timeline: Timeline, messages: Sequence[Message], viewer: str
    ) -> PageMarks:
        """The marks of `messages` (one timeline's, in any order) as `viewer` sees them."""
        marks = PageMarks()
        if not messages:
            return marks
        name, owner = timeline_name(timeline), timeline.owner
        token = await self._versions.current(name)
        ranges: dict[int, tuple[uuid.UUID, uuid.UUID]] = {}  # bucket: (newest, oldest)
        for message in messages:
            bucket = day_bucket(message.id)
            newest, oldest = ranges.get(bucket, (message.id, message.id))
            if sort_key(message.id) > sort_key(newest):
                newest = message.id
            elif sort_key(message.id) < sort_key(oldest):
                oldest = message.id
            ranges[bucket] = (newest, oldest)
        pinned, reactions = await asyncio.gather(
            self._pinned(name, owner, token), self._reactions_of(name, owner, ranges, token)
        )
        if not reactions and not pinned:
            return marks
        for message in messages:
            key = message.id.int
            if message.deleted or (key not in reactions and key not in pinned):
                continue
            marks[key] = MessageMarks(summary(reactions.get(key, ()), viewer), key in pinned)
        return marks

    async def message_marks(self, message: Message, viewer: str | None) -> MessageMarks:
        """One message's marks, read afresh (for a single message or an event); without a
        viewer every `me` is False."""
        if message.deleted:
            return NO_MARKS
        reactions, pinned = await asyncio.gather(
            self._reactions.of_message(message),
            self._pins.pinned_ids(message.conversation_id),
        )
        if not reactions and message.id.int not in pinned:
            return NO_MARKS
        return MessageMarks(summary(reactions, viewer), message.id.int in pinned)

    async def _pinned(self, name: str, owner: uuid.UUID | str, token: str | None) -> frozenset[int]:
        remembered = self._remembered(name, _PINS, token, "", "")
        if remembered is not None:
            return remembered  # type: ignore[return-value]
        found = await self._pins.pinned_ids(owner)
        self._remember(name, _PINS, token, "", "", found)
        return found

    async def _reactions_of(
        self,
        name: str,
        owner: uuid.UUID | str,
        ranges: dict[int, tuple[uuid.UUID, uuid.UUID]],
        token: str | None,
    ) -> dict[int, MessageReactions]:
        """One query per bucket (at once), unless remembered."""
        reactions: dict[int, MessageReactions] = {}
        found = await asyncio.gather(
            *(
                self._reactions_in(name, owner, bucket, oldest, newest, token)
                for bucket, (newest, oldest) in ranges.items()
            )
        )
        for one_bucket in found:
            reactions.update(one_bucket)
        return reactions

    async def _reactions_in(
        self,
        name: str,
        owner: uuid.UUID | str,
        bucket: int,
        oldest: uuid.UUID,
        newest: uuid.UUID,
        token: str | None,
    ) -> dict[int, MessageReactions]:
        low, high = sort_key(oldest), sort_key(newest)
        remembered = self._remembered(name, bucket, token, low, high)
        if remembered is not None:
            return remembered  # type: ignore[return-value]
        found = await self._reactions.in_range(owner, bucket, oldest, newest)
        self._remember(name, bucket, token, low, high, found)
        return found

    def _remembered(
        self, name: str, bucket: int, token: str | None, low: str, high: str
    ) -> object | None:
        """What was read under the current token for a range holding [low, high]."""
        if token is None:
            return None
        memo = self._memos.get((name, bucket))
        if (
            memo is None
            or memo.token != token
            or memo.oldest > low
            or memo.newest < high
            or self._clock() - memo.read_at_s > self._max_age_s
        ):
            return None
        return memo.value

    def _remember(
        self, name: str, bucket: int, token: str | None, low: str, high: str, value: object
    ) -> None:
        if token is not None:
            self._memos[(name, bucket)] = _Remembered(token, self._clock(), low, high, value)
