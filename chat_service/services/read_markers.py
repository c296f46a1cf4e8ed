"""Read markers: a member marks a conversation read up to one of its messages.

A marker never moves backwards (the repository writes it with the message's time as the
write timestamp), and only the caller's other sessions hear about it.
"""

from __future__ import annotations

import uuid

from chat_service.domain.events import Event, EventType
from chat_service.services.access import ConversationAccess
from chat_service.services.messaging import EventPublisher
from chat_service.services.ports import ConversationStore


class ReadMarkerService:
    def __init__(
        self, conversations: ConversationStore, access: ConversationAccess, events: EventPublisher
    ) -> None:
        self._conversations = conversations
        self._access = access
        self._events = events

    async def mark_read(
        self, caller: str, conversation_id: uuid.UUID, read_up_to: uuid.UUID
    ) -> None:
        await self._access.membership(caller, conversation_id)
        await self._access.message_or_404(conversation_id, read_up_to)
        await self._conversations.mark_read(caller, conversation_id, read_up_to)
        await self._events.publish(
            Event(
                EventType.READ, (caller,), conversation_id, username=caller, message_id=read_up_to
            )
        )
