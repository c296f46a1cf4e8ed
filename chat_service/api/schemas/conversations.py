"""Inputs of `/conversations*`."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from chat_service.api.schemas.base import (
    QUERY_INT,
    BodyInput,
    ClientMessageId,
    Content,
    GroupName,
    HttpUrl,
    MessageIdInput,
    PathInput,
    QueryInput,
    UsernameInput,
)
from chat_service.api.schemas.errors import reason
from chat_service.domain import validation
from chat_service.domain.models import Attachment, Role

_IN_CONVERSATION = ("conversation_id",)
_CONTENT = TypeAdapter(Content)
Limit = Annotated[int, Field(ge=1, le=validation.LIMIT_MAX), QUERY_INT]


class ConversationRef(PathInput):
    path = _IN_CONVERSATION
    conversation_id: uuid.UUID


class MessageRef(PathInput):
    path = (*_IN_CONVERSATION, "message_id")
    conversation_id: uuid.UUID
    message_id: uuid.UUID


class MemberRef(PathInput):
    path = (*_IN_CONVERSATION, "username")
    conversation_id: uuid.UUID
    username: str


class ConversationListQuery(QueryInput):
    limit: Limit = 20
    cursor: Annotated[
        str | None, Field(description="The previous page's `next_cursor` (opaque to clients).")
    ] = None
    q: Annotated[
        str,
        Field(
            max_length=validation.CONVERSATION_QUERY_MAX,
            description="Case-insensitive substring of the group name or of the peer's username.",
        ),
    ] = ""


class HistoryQuery(QueryInput):
    """At most one of `before`, `after` and `around`."""

    path = _IN_CONVERSATION
    conversation_id: uuid.UUID
    limit: Limit = 50
    before: MessageIdInput | None = None
    after: MessageIdInput | None = None
    around: MessageIdInput | None = None

    @model_validator(mode="after")
    def _one_position(self) -> HistoryQuery:
        given = [name for name in ("before", "after", "around") if getattr(self, name)]
        if len(given) > 1:
            raise PydanticCustomError(
                "one_position",
                "use at most one of before, after and around",
                {"field": given[0]},
            )
        return self


class CreateGroupRequest(BodyInput):
    name: GroupName
    members: Annotated[
        list[UsernameInput],
        Field(
            default_factory=list,
            max_length=validation.MEMBERS_MAX,
            description="Usernames to add besides the creator (may be empty or absent; at "
            "most 256, this service's choice).",
            json_schema_extra={"default": []},
        ),
    ]
    is_private: StrictBool = False


class AddMemberRequest(BodyInput):
    path = _IN_CONVERSATION
    conversation_id: uuid.UUID
    username: UsernameInput


class SetRoleRequest(BodyInput):
    path = (*_IN_CONVERSATION, "username")
    conversation_id: uuid.UUID
    username: str
    role: Role


class AttachmentInput(BaseModel):
    """Where the contract is silent, this document chooses: `url` is an absolute `http` or
    `https` URL of at most 2048 characters; the service stores the link, not the file."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    type: validation.AttachmentType
    url: HttpUrl

    def to_domain(self) -> Attachment:
        return Attachment(self.type, self.url)


def _post_schema(schema: dict[str, Any]) -> None:
    content = _CONTENT.json_schema()
    schema["anyOf"] = [
        {"required": ["content"], "properties": {"content": content}},
        {
            "required": ["attachment"],
            "properties": {
                "content": {"enum": [None, ""]},
                "attachment": {"type": "object"},
            },
        },
    ]


class PostMessageRequest(BodyInput):
    """Text (`content`), an attachment, or both."""

    model_config = ConfigDict(json_schema_extra=_post_schema)
    path = _IN_CONVERSATION
    conversation_id: uuid.UUID
    attachment: AttachmentInput | None = None
    client_message_id: ClientMessageId | None = None
    reply_to: Annotated[
        MessageIdInput | None,
        Field(description="The id of the message this one replies to (same conversation)."),
    ] = None
    content: Annotated[
        str | None, Field(max_length=validation.CONTENT_MAX, validate_default=True)
    ] = None

    @field_validator("content")
    @classmethod
    def _text_unless_attachment_only(cls, value: str | None, info: ValidationInfo) -> str | None:
        """Content is optional only beside an attachment; `""` then means no text. An
        attachment that was itself invalid is the only error reported."""
        if "attachment" not in info.data:
            return value
        if value in (None, "") and info.data["attachment"] is not None:
            return None
        if value is None:
            raise PydanticCustomError(
                "content_missing", "is required unless there is an attachment"
            )
        try:
            return _CONTENT.validate_python(value)
        except ValidationError as exc:
            raise PydanticCustomError("content", reason(exc.errors()[0])) from None


class EditMessageRequest(BodyInput):
    path = (*_IN_CONVERSATION, "message_id")
    conversation_id: uuid.UUID
    message_id: uuid.UUID
    content: Content


class MarkReadRequest(BodyInput):
    path = _IN_CONVERSATION
    conversation_id: uuid.UUID
    message_id: MessageIdInput
