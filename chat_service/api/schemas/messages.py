"""Inputs of `/messages/send` and `/messages`, the reference service's endpoints."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator

from chat_service.api.schemas.base import (
    QUERY_INT,
    BodyInput,
    ClientMessageId,
    Content,
    MessageIdInput,
    QueryInput,
)
from chat_service.domain import validation

# The reference service's default page size.
DEFAULT_PAGE_SIZE = 10
PageSize = Annotated[int, Field(ge=1, le=validation.LIMIT_MAX), QUERY_INT]


class SendDirectMessageRequest(BodyInput):
    recipient: Annotated[
        str,
        Field(
            description="The recipient's username (case-insensitive); an unknown or "
            "malformed name gets `404 recipient_not_found`."
        ),
    ]
    content: Content
    client_message_id: ClientMessageId | None = None
    reply_to: Annotated[
        MessageIdInput | None,
        Field(description="The id of the message this one replies to (same conversation)."),
    ] = None

    @field_validator("recipient")
    @classmethod
    def _lowercase(cls, value: str) -> str:
        return value.lower()


class DirectHistoryQuery(QueryInput):
    """Page-number or cursor paging. `page_size`, `pageSize` (the reference service's name)
    and `limit` are one setting, in that order of precedence."""

    page: Annotated[
        int,
        Field(
            ge=1,
            le=validation.PAGE_MAX,
            description="Page number, from 1. Ignored when `before` is given.",
        ),
        QUERY_INT,
    ] = 1
    page_size: Annotated[
        PageSize | None, Field(description=f"Messages per page (default {DEFAULT_PAGE_SIZE}).")
    ] = None
    page_size_camel: Annotated[
        PageSize | None,
        Field(alias="pageSize", description="The reference service's name of `page_size`."),
    ] = None
    limit: Annotated[
        PageSize | None, Field(description="Alias of `page_size`, for cursor paging.")
    ] = None
    before: Annotated[
        MessageIdInput | None,
        Field(
            description="A message id (the previous page's `nextCursor`); answers the "
            "messages older than it."
        ),
    ] = None

    @property
    def size(self) -> int:
        # None when absent, never 0 (at least 1), so `or` picks the first one given.
        return self.page_size or self.page_size_camel or self.limit or DEFAULT_PAGE_SIZE

    @property
    def page_number(self) -> int | None:
        """None when paging by cursor."""
        return None if self.before else self.page


class MentionsQuery(QueryInput):
    """`GET /users/me/mentions`: paged by message id, as histories are."""

    limit: PageSize = 50
    before: Annotated[
        MessageIdInput | None,
        Field(description="The previous page's `next_cursor`: mentions older than it."),
    ] = None
