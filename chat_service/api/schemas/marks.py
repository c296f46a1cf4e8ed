"""Inputs of reactions and pins (`/conversations/{id}/messages/{message_id}/reactions/...`,
`/conversations/{id}/pins...`)."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import Field

from chat_service.api.schemas.base import QUERY_INT, PathInput, QueryInput
from chat_service.domain import validation

_IN_MESSAGE = ("conversation_id", "message_id")

Emoji = Annotated[
    str,
    Field(
        pattern=validation.EMOJI,
        description=f"1 to {validation.EMOJI_MAX} characters (URL-encoded in the path), "
        "without whitespace, control characters or `/`: an emoji, joiners and variation "
        "selectors included, or a short name such as `:party:`.",
    ),
]


class ReactionRef(PathInput):
    path = (*_IN_MESSAGE, "emoji")
    conversation_id: uuid.UUID
    message_id: uuid.UUID
    emoji: Emoji


class ReactorsQuery(QueryInput):
    path = (*_IN_MESSAGE, "emoji")
    conversation_id: uuid.UUID
    message_id: uuid.UUID
    emoji: Emoji
    limit: Annotated[int, Field(ge=1, le=validation.LIMIT_MAX), QUERY_INT] = 50
    cursor: Annotated[
        str | None, Field(description="The previous page's `next_cursor` (opaque to clients).")
    ] = None


class PinRef(PathInput):
    path = _IN_MESSAGE
    conversation_id: uuid.UUID
    message_id: uuid.UUID
