"""The marks of a page of history (reactions and pins), for one viewer, read with at most
one query per day bucket of the page plus one for the pin set, whatever the page's size,
and remembered in process (`repos/marks_memory.py`).

A timeline is a conversation (its rows) or one user's direct messages (their copies).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence

from chat_service.domain.ids import day_bucket, sort_key
from chat_service.domain.models import NO_MARKS, Message, MessageMarks, PageMarks
from chat_service.domain.reactions import MessageReactions, summary
from chat_service.domain.timelines import ConversationTimeline, DirectMessagesTimeline, Timeline
from chat_service.repos.marks_memory import PINS, MarksMemory
from chat_service.repos.pins import PinRepository
from chat_service.repos.reactions import ReactionRepository

_Ranges = dict[int, tuple[uuid.UUID, uuid.UUID]]  # bucket: (newest, oldest) of the page


def timeline_name(timeline: Timeline) -> str:
    if isinstance(timeline, DirectMessagesTimeline):
        return DirectMessagesTimeline.name_of(timeline.owner)
    assert isinstance(timeline, ConversationTimeline)
    return ConversationTimeline.name_of(timeline.owner)


class MarksReader:
    def __init__(
        self, reactions: ReactionRepository, pins: PinRepository, memory: MarksMemory
    ) -> None:
        self._reactions = reactions
        self._pins = pins
        self._memory = memory

    async def page_marks(
        self, timeline: Timeline, messages: Sequence[Message], viewer: str
    ) -> PageMarks:
        """The marks of `messages` (one timeline's, in any order) as `viewer` sees them."""
        marks = PageMarks()
        if not messages:
            return marks
        name, owner = timeline_name(timeline), timeline.owner
        pinned, reactions = await asyncio.gather(
            self._pinned(name, owner), self._reactions_of(name, owner, _ranges(messages))
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

    async def _pinned(self, name: str, owner: uuid.UUID | str) -> frozenset[int]:
        memory = self._memory
        remembered = memory.recall(name, PINS, "", "")
        if remembered is not None:
            return remembered  # type: ignore[return-value]
        started = memory.started()
        found = await self._pins.pinned_ids(owner)
        memory.keep(name, PINS, started, "", "", found)
        return found

    async def _reactions_of(
        self, name: str, owner: uuid.UUID | str, ranges: _Ranges
    ) -> dict[int, MessageReactions]:
        """One query per bucket (all at once), for the buckets not remembered."""
        reactions: dict[int, MessageReactions] = {}
        found = await asyncio.gather(
            *(
                self._reactions_in(name, owner, bucket, oldest, newest)
                for bucket, (newest, oldest) in ranges.items()
            )
        )
        for one_bucket in found:
            reactions.update(one_bucket)
        return reactions

    async def _reactions_in(
        self, name: str, owner: uuid.UUID | str, bucket: int, oldest: uuid.UUID, newest: uuid.UUID
    ) -> dict[int, MessageReactions]:
        memory = self._memory
        low, high = sort_key(oldest), sort_key(newest)
        remembered = memory.recall(name, bucket, low, high)
        if remembered is not None:
            return remembered  # type: ignore[return-value]
        started = memory.started()
        found = await self._reactions.in_range(owner, bucket, oldest, newest)
        memory.keep(name, bucket, started, low, high, found)
        return found


def _ranges(messages: Sequence[Message]) -> _Ranges:
    """Each bucket's newest and oldest message of the page."""
    ranges: _Ranges = {}
    for message in messages:
        bucket = day_bucket(message.id)
        newest, oldest = ranges.get(bucket, (message.id, message.id))
        if sort_key(message.id) > sort_key(newest):
            newest = message.id
        elif sort_key(message.id) < sort_key(oldest):
            oldest = message.id
        ranges[bucket] = (newest, oldest)
    return ranges
