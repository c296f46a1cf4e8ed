"""The quotes of replies, resolved when a page is read (not copied into the replies), so an
edit or a delete of a quoted message shows in every reply at once and its text stays in its
own row only (see docs/data-model.md, "Replies").

A page costs nothing more unless it holds replies; their quoted messages are taken from the
page itself when there, and the rest are read in one query of the page's own history. A
cached page that holds all its quoted messages is resolved once, for all its readers.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import replace
from typing import Protocol

from chat_service.domain.models import Message, Quote, SharedMessages


class QuoteSource(Protocol):
    """A history that can read many quotes at once (`repos.timelines.TimelineStore`)."""

    async def quoted(self, owner: object, message_ids: Collection[uuid.UUID]) -> list[Quote]: ...


async def with_quotes(source: QuoteSource, owner: object, messages: list[Message]) -> list[Message]:
    """`messages` with `reply_to` set on every reply; the same list when none is a reply."""
    shared = messages if isinstance(messages, SharedMessages) else None
    if shared is not None and shared.quoted is not None:
        return shared.quoted
    wanted = {m.reply_to_id for m in messages if m.reply_to_id is not None and not m.deleted}
    if not wanted:
        return messages
    here = {m.id: m for m in messages if m.id in wanted}
    quotes = {message_id: Quote.of(message) for message_id, message in here.items()}
    missing = wanted - quotes.keys()
    if missing:
        quotes.update((quote.id, quote) for quote in await source.quoted(owner, missing))
    quoting = [
        replace(m, reply_to=quotes.get(m.reply_to_id))
        if m.reply_to_id is not None and not m.deleted
        else m
        for m in messages
    ]
    if shared is None or missing:  # a quote read from the store may change at any time
        return quoting
    shared.quoted = SharedMessages(quoting)
    return shared.quoted
