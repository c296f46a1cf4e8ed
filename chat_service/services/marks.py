"""What reactions and pins share: which copies and timelines a message's marks live in,
erasing them when the message is deleted, and putting them on the edit events."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence

from chat_service.domain.events import Event, EventType, pins_changed
from chat_service.domain.models import Message
from chat_service.domain.timelines import ConversationTimeline, DirectMessagesTimeline
from chat_service.services.messaging import EventPublisher
from chat_service.services.ports import MarkChanges, MarksSource, PinStore, ReactionStore


def copies_of(message: Message) -> tuple[str, ...]:
    """The users whose direct-message history holds a copy of the message (and so of its
    marks)."""
    return (message.sender, message.recipient) if message.recipient else ()


def timelines_of(message: Message) -> list[str]:
    return [
        ConversationTimeline.name_of(message.conversation_id),
        *(DirectMessagesTimeline.name_of(person) for person in copies_of(message)),
    ]


class MarkEraser:
    """A deleted message loses its reactions and its pin (and says so, when it had one)."""

    def __init__(
        self,
        reactions: ReactionStore,
        pins: PinStore,
        changes: MarkChanges,
        events: EventPublisher,
    ) -> None:
        self._reactions = reactions
        self._pins = pins
        self._changes = changes
        self._events = events

    async def message_deleted(self, message: Message, audience: Sequence[str]) -> None:
        copies = copies_of(message)
        pins = await self._pins.pins(message.conversation_id)
        was_pinned = any(pin.message_id == message.id for pin in pins)
        await asyncio.gather(
            self._reactions.clear(message, copies),
            *([self._pins.unpin(message, copies)] if was_pinned else []),
        )
        self._changes.changed(timelines_of(message))
        if was_pinned:
            await self._events.publish(pins_changed(message, audience, pinned=False))


class MarkedEvents:
    """An `EventPublisher` that puts a message's current marks on its edit events (the
    other message events need none: a new message has no marks, a deleted one loses
    them). `me` stays False: one broadcast serves every member. An edit also makes this
    process forget what it remembers of the message's timelines (their quotes of it)."""

    def __init__(
        self, events: EventPublisher, marks: MarksSource, changes: MarkChanges | None = None
    ) -> None:
        self._events = events
        self._marks = marks
        self._changes = changes

    async def publish(self, event: Event) -> None:
        if event.type is EventType.MESSAGE_UPDATED and event.message is not None:
            if self._changes is not None:
                self._changes.changed(timelines_of(event.message))
            marks = await self._marks.message_marks(event.message, None)
            event = dataclasses.replace(event, reactions=marks.reactions, pinned=marks.pinned)
        await self._events.publish(event)
