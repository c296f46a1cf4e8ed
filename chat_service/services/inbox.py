"""The caller's conversation list: newest activity first, filtered by name or peer, paged
by an opaque cursor, each item with its last message and unread count."""

from __future__ import annotations

import asyncio

from chat_service.domain.cursors import InboxCursor
from chat_service.domain.ids import epoch_ns
from chat_service.domain.models import ConversationSummary, Unread, UserConversation
from chat_service.domain.timelines import ConversationTimeline
from chat_service.services.ports import ConversationStore, TimelineReader

UNREAD_CAP = 1000
_NOTHING_UNREAD = Unread(0, 0)


class InboxService:
    def __init__(self, conversations: ConversationStore, timelines: TimelineReader) -> None:
        self._conversations = conversations
        self._timelines = timelines

    async def list(
        self, caller: str, limit: int, cursor: str | None, query: str
    ) -> tuple[list[ConversationSummary], str | None]:
        """Newest activity first, filtered by name or peer, paged by an opaque cursor."""
        after = InboxCursor.parse(cursor) if cursor else None
        rows = await self._conversations.user_conversations(caller)
        needle = query.lower()
        if needle:
            rows = [row for row in rows if needle in (row.name or row.peer or "").lower()]
        rows.sort(key=_activity_order)
        if after is not None:
            position = (-after.activity_ns, str(after.conversation_id))
            rows = [row for row in rows if _activity_order(row) > position]
        page = rows[:limit]
        summaries = await asyncio.gather(*(self._summary(caller, row) for row in page))
        if len(rows) <= limit:
            return list(summaries), None
        last = page[-1]
        return list(summaries), InboxCursor(_activity_ns(last), last.conversation_id).encode()

    async def _summary(self, caller: str, row: UserConversation) -> ConversationSummary:
        last = None
        unread = _NOTHING_UNREAD
        if row.last_activity_id is not None:
            timeline = ConversationTimeline(row.conversation_id)
            last, unread = await asyncio.gather(
                self._timelines.message(timeline, row.last_activity_id),
                self._timelines.count_unread(
                    timeline, row.last_read_id, row.last_activity_id, caller, UNREAD_CAP
                ),
            )
        return ConversationSummary(
            id=row.conversation_id,
            type=row.type,
            name=row.name,
            peer=row.peer,
            last_message=last,
            unread_count=unread.messages,
            mention_count=unread.mentions,
            updated_at_ns=_activity_ns(row),
        )


def _activity_ns(row: UserConversation) -> int:
    if row.last_activity_id is not None:
        return epoch_ns(row.last_activity_id)
    return row.joined_at_ns or 0


def _activity_order(row: UserConversation) -> tuple[int, str]:
    """Sort key: newest activity first (negated time), then by id for a stable order."""
    return -_activity_ns(row), str(row.conversation_id)
