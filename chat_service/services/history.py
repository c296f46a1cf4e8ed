"""Reading a conversation: pages of its history and single messages, for members only."""

from __future__ import annotations

import uuid

from chat_service.domain.models import Message
from chat_service.domain.timelines import ConversationTimeline, Direction, TimelinePage
from chat_service.services.access import ConversationAccess
from chat_service.services.ports import TimelineReader


class HistoryService:
    def __init__(self, access: ConversationAccess, timelines: TimelineReader) -> None:
        self._access = access
        self._timelines = timelines

    async def history(
        self,
        caller: str,
        conversation_id: uuid.UUID,
        limit: int,
        before: uuid.UUID | None = None,
        after: uuid.UUID | None = None,
        around: uuid.UUID | None = None,
    ) -> TimelinePage:
        """Newest first; at most one of `before`, `after` and `around` (message ids)."""
        await self._access.require_member(caller, conversation_id)
        timeline = ConversationTimeline(conversation_id)
        if around is not None:
            return await self._timelines.page(timeline, around, Direction.AROUND, limit)
        if after is not None:
            return await self._timelines.page(timeline, after, Direction.AFTER, limit)
        return await self._timelines.page(timeline, before, Direction.BEFORE, limit)

    async def message(
        self, caller: str, conversation_id: uuid.UUID, message_id: uuid.UUID
    ) -> Message:
        await self._access.require_member(caller, conversation_id)
        return await self._access.message_or_404(conversation_id, message_id)
