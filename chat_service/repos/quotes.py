"""The quotes of replies, resolved when a page is read (not copied into the replies), so an
edit or a delete of a quoted message shows in every reply at once and its text stays in its
own row only (see docs/data-model.md, "Replies").

A page costs nothing more unless it holds replies; their quoted messages are taken from the
page itself when there, then from what this process remembers of the timeline's quotes
(`repos/marks_memory.py`: forgotten on every edit and delete, here or heard over the bus,
never kept while the bus is down), and the rest are read in one query of the page's own
history. A cached page is resolved once for all its readers, for as long as what it took
from that memory is unchanged.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import replace
from typing import Protocol, cast

from chat_service.domain.models import Message, Quote, SharedMessages
from chat_service.repos.marks_memory import QUOTES, MarksMemory


class QuoteSource(Protocol):
    """A history that can read many quotes at once (`repos.timelines.TimelineStore`)."""

    async def quoted(self, owner: object, message_ids: Collection[uuid.UUID]) -> list[Quote]: ...


async def with_quotes(
    source: QuoteSource,
    owner: object,
    messages: list[Message],
    memory: MarksMemory | None = None,
    timeline: str = "",
) -> list[Message]:
    """`messages` with `reply_to` set on every reply; the same list when none is a reply.
    With a `memory`, quotes outside the page are remembered under `timeline`'s name."""
    shared = messages if isinstance(messages, SharedMessages) else None
    remembered = memory.entry(timeline, QUOTES) if memory is not None else None
    if (
        shared is not None
        and shared.quoted is not None
        and (shared.quoted_with is None or shared.quoted_with is remembered)
    ):
        return shared.quoted
    wanted = {m.reply_to_id for m in messages if m.reply_to_id is not None and not m.deleted}
    if not wanted:
        if shared is not None:
            shared.quoted = shared
        return messages
    quotes = {m.id: Quote.of(m) for m in messages if m.id in wanted}
    missing = wanted - quotes.keys()
    known = cast(dict[uuid.UUID, Quote], remembered.value) if remembered is not None else {}
    quotes.update((message_id, known[message_id]) for message_id in missing if message_id in known)
    unknown = missing - quotes.keys()
    if unknown:
        started = memory.started() if memory is not None else 0
        read = {quote.id: quote for quote in await source.quoted(owner, unknown)}
        quotes.update(read)
        if memory is not None:
            memory.keep(timeline, QUOTES, started, "", "", {**known, **read})
    quoting = [
        replace(m, reply_to=quotes.get(m.reply_to_id))
        if m.reply_to_id is not None and not m.deleted
        else m
        for m in messages
    ]
    if shared is None or unknown:  # a quote read from the store may change at any time
        return quoting
    shared.quoted = SharedMessages(quoting)
    shared.quoted_with = remembered if missing else None
    return shared.quoted
