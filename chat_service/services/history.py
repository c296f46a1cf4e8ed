"""Reading a conversation: pages of its history and single messages, for members only."""

from __future__ import annotations

import uuid

from chat_service.domain.models import Message, MessageMarks
from chat_service.domain.timelines import ConversationTimeline, Direction, TimelinePage
from chat_service.services.access import ConversationAccess
from chat_service.services.ports import MarksSource, TimelineReader


class HistoryService:
    def __init__(
        self, access: ConversationAccess, timelines: TimelineReader, marks: MarksSource
    ) -> None:
        self._access = access
        self._timelines = timelines
        self._marks = marks

    async def history(
        self,
        caller: str,
        conversation_id: uuid.UUID,
        limit: int,
        before: uuid.UUID | None = None,
        after: uuid.UUID | None = None,
        around: uuid.UUID | None = None,
    ) -> TimelinePage:
        """Newest first, with the page's marks for the caller; at most one of `before`,
        `after` and `around` (message ids)."""
        await self._access.require_member(caller, conversation_id)
        timeline = ConversationTimeline(conversation_id)
        if around is not None:
            page = await self._timelines.page(timeline, around, Direction.AROUND, limit)
        elif after is not None:
            page = await self._timelines.page(timeline, after, Direction.AFTER, limit)
        else:
            page = await self._timelines.page(timeline, before, Direction.BEFORE, limit)
        marks = await self._marks.page_marks(timeline, page.messages, caller)
        return page._replace(marks=marks) if marks else page

    async def message(
        self, caller: str, conversation_id: uuid.UUID, message_id: uuid.UUID
    ) -> Message:
        await self._access.require_member(caller, conversation_id)
        return await self._access.message_or_404(conversation_id, message_id)

    async def shown(
        self, caller: str, conversation_id: uuid.UUID, message_id: uuid.UUID
    ) -> tuple[Message, MessageMarks]:
        """One message with its marks for the caller."""
        message = await self.message(caller, conversation_id, message_id)
        return message, await self._marks.message_marks(message, caller)

    async def marks_of(self, caller: str, message: Message) -> MessageMarks:
        """The marks of a message the caller was just answered (an edit's)."""
        return await self._marks.message_marks(message, caller)
