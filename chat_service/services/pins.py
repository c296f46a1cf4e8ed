"""Pins: who may pin and unpin, and the list of a conversation's pinned messages.

The rules: admins pin in groups, either member in a direct conversation (403 otherwise,
404 for non-members); a deleted message cannot be pinned (409 `message_deleted`); a
conversation holds at most `PINS_MAX` pins (409 `too_many_pins`); pinning what is pinned,
or unpinning what is not, changes nothing and tells nobody.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

from chat_service.domain import validation
from chat_service.domain.clock import to_millis
from chat_service.domain.errors import Conflict, Forbidden
from chat_service.domain.events import pins_changed
from chat_service.domain.models import (
    Conversation,
    ConversationType,
    Member,
    Message,
    PageMarks,
    Role,
)
from chat_service.domain.timelines import ConversationTimeline
from chat_service.services.access import ConversationAccess
from chat_service.services.marks import copies_of, timelines_of
from chat_service.services.messaging import EventPublisher
from chat_service.services.ports import MarkChanges, MarksSource, PinStore


class PinService:
    def __init__(
        self,
        access: ConversationAccess,
        pins: PinStore,
        marks: MarksSource,
        changes: MarkChanges,
        events: EventPublisher,
        clock_ns: Callable[[], int],
    ) -> None:
        self._access = access
        self._pins = pins
        self._marks = marks
        self._changes = changes
        self._events = events
        self._clock_ns = clock_ns

    async def pin(self, caller: str, conversation_id: uuid.UUID, message_id: uuid.UUID) -> None:
        message = await self._pinnable(caller, conversation_id, message_id)
        if message.deleted:
            raise Conflict("The message was deleted.", code="message_deleted")
        pins = await self._pins.pins(conversation_id)
        if any(pin.message_id == message.id for pin in pins):
            return
        if len(pins) >= validation.PINS_MAX:
            raise Conflict(
                f"A conversation holds at most {validation.PINS_MAX} pins.",
                code="too_many_pins",
                details={"limit": validation.PINS_MAX},
            )
        at_ns = to_millis(self._clock_ns())
        await self._pins.pin(message, caller, at_ns, copies_of(message))
        await self._changed(message, caller, pinned=True)

    async def unpin(self, caller: str, conversation_id: uuid.UUID, message_id: uuid.UUID) -> None:
        message = await self._pinnable(caller, conversation_id, message_id)
        pins = await self._pins.pins(conversation_id)
        if not any(pin.message_id == message.id for pin in pins):
            return
        await self._pins.unpin(message, copies_of(message))
        await self._changed(message, caller, pinned=False)

    async def pinned(
        self, caller: str, conversation_id: uuid.UUID
    ) -> tuple[list[Message], PageMarks]:
        """The pinned messages, most recently pinned first, with their marks."""
        await self._access.require_member(caller, conversation_id)
        pins = await self._pins.pins(conversation_id)
        timeline = ConversationTimeline(conversation_id)
        found = await asyncio.gather(
            *(self._access.message_or_none(conversation_id, pin.message_id) for pin in pins)
        )
        messages = [m for m in found if m is not None and not m.deleted]
        marks = await self._marks.page_marks(timeline, messages, caller, newest_first=False)
        return messages, marks

    async def _pinnable(
        self, caller: str, conversation_id: uuid.UUID, message_id: uuid.UUID
    ) -> Message:
        conversation, me = await self._access.membership(caller, conversation_id)
        _require_pinner(conversation, me)
        return await self._access.message_or_404(conversation_id, message_id)

    async def _changed(self, message: Message, by: str, pinned: bool) -> None:
        self._changes.changed(timelines_of(message))
        audience = await self._access.audience(message.conversation_id)
        await self._events.publish(pins_changed(message, audience, pinned, by))


def _require_pinner(conversation: Conversation, me: Member) -> None:
    if conversation.type is ConversationType.GROUP and me.role is not Role.ADMIN:
        raise Forbidden("Only admins pin and unpin in a group.")
