"""Message search: keeping the index in step with the text (send, edit, delete) and
answering a query in one conversation or in the caller's direct messages.

The index answers candidates; each is read back from its history and checked against its
current text (`SearchQuery.matches`), so a message is found by what it says now, and a
deleted one never, even while a removal from the index is still on its way.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from chat_service.domain.ids import epoch_ns, sort_key
from chat_service.domain.models import Message, MessageKind
from chat_service.domain.search import SearchQuery, message_terms
from chat_service.domain.timelines import (
    ConversationTimeline,
    DirectMessagesTimeline,
    Timeline,
    TimelinePage,
)
from chat_service.services.access import ConversationAccess
from chat_service.services.ports import MarksSource


class Hits(Protocol):
    """Candidates newest first, and the cursor to go on from once they are used up."""

    @property
    def ids(self) -> list[uuid.UUID]: ...
    @property
    def floor(self) -> uuid.UUID | None: ...


class TermIndex(Protocol):
    """The search index (`repos.search_index.SearchIndex`)."""

    async def add(
        self, scopes: Sequence[str], message_id: uuid.UUID, terms: Iterable[str], at_us: int
    ) -> None: ...
    async def remove(
        self, scopes: Sequence[str], message_id: uuid.UUID, terms: Iterable[str], at_us: int
    ) -> None: ...
    async def find(
        self, scope: str, query: SearchQuery, before: uuid.UUID | None, wanted: int
    ) -> Hits: ...


class MessagesById(Protocol):
    """Messages read back by id (`repos.timeline_pages.TimelinePages.messages`)."""

    async def messages(self, timeline: Timeline, message_ids: list[uuid.UUID]) -> list[Message]: ...


def scopes_of(message: Message) -> list[str]:
    """Where a message is searched: its conversation, and each participant's direct
    messages when it is one."""
    scopes = [ConversationTimeline.name_of(message.conversation_id)]
    if message.recipient:
        scopes += [DirectMessagesTimeline.name_of(p) for p in (message.sender, message.recipient)]
    return scopes


def _terms(message: Message) -> list[str]:
    return message_terms(message.content) if message.kind is MessageKind.MESSAGE else []


class SearchIndexing:
    """The index's side of a send, an edit and a delete (called by `MessageWriter` after
    the message's own rows are stored). Rows are written at the message's or the edit's
    time and removed at the edit's or the delete's, so a removal wins over the text it
    removes in any order of arrival."""

    def __init__(self, index: TermIndex, clock_ns: Callable[[], int]) -> None:
        self._index = index
        self._clock_ns = clock_ns

    async def indexed(self, message: Message) -> None:
        terms = _terms(message)
        if terms:
            at_us = epoch_ns(message.id) // 1000
            await self._index.add(scopes_of(message), message.id, terms, at_us)

    async def reindexed(self, before: Message, after: Message) -> None:
        """Rows of words the edit removed are deleted, rows of words it added written."""
        old, new = set(_terms(before)), set(_terms(after))
        at_us = (after.edited_at_ns or self._clock_ns()) // 1000
        scopes = scopes_of(after)
        await asyncio.gather(
            self._index.remove(scopes, after.id, sorted(old - new), at_us),
            self._index.add(scopes, after.id, sorted(new - old), at_us),
        )

    async def removed(self, message: Message) -> None:
        terms = _terms(message)
        if terms:
            at_us = self._clock_ns() // 1000
            await self._index.remove(scopes_of(message), message.id, terms, at_us)


class SearchService:
    def __init__(
        self,
        access: ConversationAccess,
        timelines: MessagesById,
        index: TermIndex,
        marks: MarksSource,
    ) -> None:
        self._access = access
        self._timelines = timelines
        self._index = index
        self._marks = marks

    async def in_conversation(
        self,
        caller: str,
        conversation_id: uuid.UUID,
        query: SearchQuery,
        before: uuid.UUID | None,
        limit: int,
    ) -> TimelinePage:
        await self._access.require_member(caller, conversation_id)
        timeline = ConversationTimeline(conversation_id)
        return await self._marked(
            caller, timeline, await self._search(timeline, query, before, limit)
        )

    async def in_direct_messages(
        self, caller: str, query: SearchQuery, before: uuid.UUID | None, limit: int
    ) -> TimelinePage:
        timeline = DirectMessagesTimeline(caller)
        return await self._marked(
            caller, timeline, await self._search(timeline, query, before, limit)
        )

    async def _marked(self, caller: str, timeline: Timeline, page: TimelinePage) -> TimelinePage:
        """The page with its messages' reactions and pins, as every history read has."""
        marks = await self._marks.page_marks(timeline, page.messages, caller)
        return page._replace(marks=marks) if marks else page

    async def _search(
        self, timeline: Timeline, query: SearchQuery, before: uuid.UUID | None, limit: int
    ) -> TimelinePage:
        """Newest first. The cursor is the last message answered when more matched, else
        where the index goes on from (a page may then hold fewer than `limit`)."""
        scope = _scope(timeline)
        hits = await self._index.find(scope, query, before, limit + 1)
        candidates = hits.ids[: limit + 1]
        read = await self._timelines.messages(timeline, candidates) if candidates else []
        read.sort(key=lambda m: sort_key(m.id), reverse=True)
        found = [m for m in read if _answers(m, query)]
        if len(found) > limit:
            return TimelinePage(found[:limit], found[limit - 1].id)
        if len(hits.ids) > len(candidates):
            return TimelinePage(found, candidates[-1])
        return TimelinePage(found, hits.floor)


def _answers(message: Message, query: SearchQuery) -> bool:
    return not message.deleted and query.matches(set(_terms(message)))


def _scope(timeline: Timeline) -> str:
    if isinstance(timeline, ConversationTimeline):
        return ConversationTimeline.name_of(timeline.owner)
    assert isinstance(timeline, DirectMessagesTimeline)
    return DirectMessagesTimeline.name_of(timeline.owner)
