"""Inputs of the message searches (`/conversations/{id}/messages/search`, `/messages/search`)."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import Field, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from chat_service.api.schemas.base import QUERY_INT, MessageIdInput, QueryInput
from chat_service.domain import search, validation
from chat_service.domain.search import QueryError, SearchQuery


def _query(value: object) -> SearchQuery:
    if not isinstance(value, str):
        raise PydanticCustomError("string_type", "must be a string")
    try:
        return search.parse_query(value)
    except QueryError as exc:
        raise PydanticCustomError("search_query", str(exc)) from None


Query = Annotated[
    SearchQuery,
    PlainValidator(_query),
    WithJsonSchema(
        {
            "type": "string",
            "minLength": 1,
            "maxLength": search.QUERY_MAX,
            "description": f"Words to find, all required, the last one also as a prefix; "
            f"case and accents do not matter. At most {search.QUERY_MAX} characters and "
            f"{search.QUERY_WORDS_MAX} words of at least {search.MIN_TERM} letters or digits "
            "(shorter words are ignored; `400` when none is left).",
        }
    ),
]
SearchLimit = Annotated[int, Field(ge=1, le=validation.LIMIT_MAX), QUERY_INT]
Before = Annotated[
    MessageIdInput | None,
    Field(description="The previous page's `next_cursor`: answers older messages only."),
]


class DirectMessageSearchQuery(QueryInput):
    q: Query
    before: Before = None
    limit: SearchLimit = 20


class ConversationSearchQuery(DirectMessageSearchQuery):
    path = ("conversation_id",)
    conversation_id: uuid.UUID
