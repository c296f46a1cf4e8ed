"""The messages that mention the caller (`GET /users/me/mentions`), newest first.

Only messages of conversations the caller is still in are shown, as they are now (an edit
shows its new text); deleted messages are not shown: a delete removes its mentions, and a
mention read while the delete runs is skipped. A page may hence hold fewer than `limit`
messages; `next_cursor` goes on from the last mention read.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Protocol

from chat_service.domain.models import Message, PageMarks
from chat_service.domain.timelines import ConversationTimeline, TimelinePage
from chat_service.services.ports import ConversationStore, MarksSource, TimelineReader


class MentionIndex(Protocol):
    """Who was mentioned where (`repos.mentions.MentionRepository`)."""

    async def newest(
        self, username: str, before: uuid.UUID | None, limit: int
    ) -> tuple[list[tuple[uuid.UUID, uuid.UUID]], bool]: ...


class MentionService:
    def __init__(
        self,
        mentions: MentionIndex,
        conversations: ConversationStore,
        timelines: TimelineReader,
        marks: MarksSource,
    ) -> None:
        self._mentions = mentions
        self._conversations = conversations
        self._timelines = timelines
        self._marks = marks

    async def mentions(self, caller: str, before: uuid.UUID | None, limit: int) -> TimelinePage:
        (found, more), rows = await asyncio.gather(
            self._mentions.newest(caller, before, limit),
            self._conversations.user_conversations(caller),
        )
        mine = {row.conversation_id for row in rows}
        messages = await asyncio.gather(
            *(
                self._timelines.message(ConversationTimeline(conversation_id), message_id)
                for conversation_id, message_id in found
                if conversation_id in mine
            )
        )
        shown = [m for m in messages if m is not None and not m.deleted]
        page = TimelinePage(shown, found[-1][1] if more and found else None)
        return page._replace(marks=await self._page_marks(caller, shown))

    async def _page_marks(self, caller: str, shown: list[Message]) -> PageMarks:
        """The reactions and pins of the page: one read per conversation it spans."""
        by_conversation: dict[uuid.UUID, list[Message]] = {}
        for message in shown:
            by_conversation.setdefault(message.conversation_id, []).append(message)
        marks = PageMarks()
        for found in await asyncio.gather(
            *(
                self._marks.page_marks(ConversationTimeline(conversation_id), messages, caller)
                for conversation_id, messages in by_conversation.items()
            )
        ):
            marks.update(found)
        return marks
