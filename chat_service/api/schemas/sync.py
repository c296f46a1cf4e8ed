"""Inputs of `/sync`."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, ConfigDict, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from chat_service.api.schemas.base import QUERY_INT, QueryInput
from chat_service.domain.stream import MalformedPosition, StreamPosition

SYNC_LIMIT_DEFAULT = 100
SYNC_LIMIT_MAX = 500


def _position(value: object) -> object:
    if isinstance(value, StreamPosition):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("stream_id", "must be a stream_id this service issued")
    try:
        return StreamPosition.decode(value)
    except MalformedPosition:
        raise PydanticCustomError("stream_id", "must be a stream_id this service issued") from None


Since = Annotated[
    StreamPosition,
    BeforeValidator(_position),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": "^[A-Za-z0-9_-]+$",
            "maxLength": 1400,
            "description": "A `stream_id` of an event, or a `next_since`: opaque.",
        }
    ),
]


class SyncQuery(QueryInput):
    model_config = ConfigDict(frozen=True, extra="ignore", arbitrary_types_allowed=True)

    since: Since | None = None
    limit: Annotated[int, Field(ge=1, le=SYNC_LIMIT_MAX), QUERY_INT] = SYNC_LIMIT_DEFAULT
