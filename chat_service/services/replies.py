"""What a reply may quote: a message of the same conversation that is not deleted.

A deleted message cannot be quoted (`400`): its text is gone, and a reply to nothing would
only show "deleted message". A message of another conversation, or one that does not exist,
gets the same answer, so a reply cannot probe conversations the caller is not in.
"""

from __future__ import annotations

import uuid

from chat_service.domain.errors import InvalidInput
from chat_service.domain.models import MessageKind, Quote
from chat_service.domain.timelines import ConversationTimeline
from chat_service.services.ports import TimelineReader

_REFUSED = "must be the id of a message of this conversation that is not deleted"


async def quote_of(
    timelines: TimelineReader, conversation_id: uuid.UUID, reply_to: uuid.UUID | None
) -> Quote | None:
    """The quote of `reply_to` in `conversation_id` (None without a reply); InvalidInput
    when it cannot be quoted."""
    if reply_to is None:
        return None
    quoted = await timelines.message(ConversationTimeline(conversation_id), reply_to)
    if quoted is None or quoted.deleted or quoted.kind is not MessageKind.MESSAGE:
        raise InvalidInput(
            f"reply_to: {_REFUSED}.", code="invalid_reply_to", details={"reply_to": _REFUSED}
        )
    return Quote.of(quoted)
