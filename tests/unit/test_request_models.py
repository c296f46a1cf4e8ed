"""The request models: typed values out, and the contract's `details` per invalid field."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from chat_service.api.schemas.accounts import RegisterRequest, UserSearchQuery
from chat_service.api.schemas.conversations import (
    CreateGroupRequest,
    HistoryQuery,
    MarkReadRequest,
    PostMessageRequest,
    SetRoleRequest,
)
from chat_service.api.schemas.errors import invalid_input
from chat_service.api.schemas.messages import DirectHistoryQuery, SendDirectMessageRequest
from chat_service.domain.models import Attachment, Role

CONVERSATION = {"conversation_id": uuid.uuid4()}


def details(model: type[BaseModel], data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    error = invalid_input(caught.value)
    assert error.code == "invalid_input"
    assert error.message.startswith(next(iter(error.details)))
    return error.details


def test_every_invalid_field_is_named_once() -> None:
    assert details(RegisterRequest, {"username": 5, "password": "short"}) == {
        "username": "must be a string",
        "password": "must be at least 8 characters",
    }
    assert details(RegisterRequest, {"password": "long enough"}) == {"username": "is required"}
    assert (
        "letter or digit"
        in details(RegisterRequest, {"username": "_x", "password": "p" * 8})["username"]
    )


def test_usernames_come_out_lowercase() -> None:
    body = RegisterRequest.model_validate({"username": "Minnie", "password": "p" * 8})
    assert body.username == "minnie"
    group = CreateGroupRequest.model_validate({"name": "G", "members": ["Ann", "BOB"]})
    assert group.members == ["ann", "bob"] and group.is_private is False
    sent = SendDirectMessageRequest.model_validate({"recipient": "Bob", "content": "hi"})
    assert sent.recipient == "bob" and sent.client_message_id is None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "ok", "members": "bob"}, "members"),
        ({"name": "ok", "members": ["ok-name", "bad name"]}, "members"),
        ({"name": "ok", "members": ["x"] * 257}, "members"),
        ({"name": "ok", "is_private": "yes"}, "is_private"),
        ({"name": "ok", "is_private": 1}, "is_private"),
    ],
)
def test_group_rules(data: dict[str, Any], field: str) -> None:
    assert set(details(CreateGroupRequest, data)) == {field}


def test_an_attachment_alone_needs_no_text() -> None:
    body = PostMessageRequest.model_validate(
        {**CONVERSATION, "content": "", "attachment": {"type": "image", "url": "https://x.test/a"}}
    )
    assert body.content is None
    assert body.attachment is not None
    assert body.attachment.to_domain() == Attachment("image", "https://x.test/a")
    assert set(details(PostMessageRequest, {**CONVERSATION})) == {"content"}
    only_spaces = {
        **CONVERSATION,
        "content": " ",
        "attachment": {"type": "file", "url": "http://h"},
    }
    assert details(PostMessageRequest, only_spaces) == {
        "content": "must not be empty or only whitespace"
    }


@pytest.mark.parametrize(
    "attachment",
    [
        {"type": "pdf", "url": "https://x.test/a"},
        {"type": "file", "url": "javascript:alert(1)"},
        {"type": "file", "url": "http://[broken"},
        {"type": "file"},
        {"type": "file", "url": "https://x.test/a", "size": 3},
        "https://x.test/a",
    ],
)
def test_attachment_errors_name_the_attachment(attachment: object) -> None:
    data = {**CONVERSATION, "content": "x", "attachment": attachment}
    assert set(details(PostMessageRequest, data)) == {"attachment"}
    alone = {**CONVERSATION, "attachment": attachment}  # no text: still the one error
    assert set(details(PostMessageRequest, alone)) == {"attachment"}


def test_role_and_message_id_are_typed() -> None:
    role = SetRoleRequest.model_validate({**CONVERSATION, "username": "ann", "role": "admin"})
    assert role.role is Role.ADMIN
    owner = {**CONVERSATION, "username": "ann", "role": "owner"}
    assert set(details(SetRoleRequest, owner)) == {"role"}
    message_id = uuid.uuid1()
    read = MarkReadRequest.model_validate({**CONVERSATION, "message_id": str(message_id).upper()})
    assert read.message_id == message_id
    assert set(details(MarkReadRequest, {**CONVERSATION, "message_id": str(uuid.uuid4())})) == {
        "message_id"
    }


def test_direct_history_paging_parameters() -> None:
    assert DirectHistoryQuery.model_validate({}).size == 10
    both = DirectHistoryQuery.model_validate({"page": "2", "pageSize": "3"})
    assert (both.page_number, both.size) == (2, 3)
    first = DirectHistoryQuery.model_validate({"page_size": "4", "pageSize": "5", "limit": "6"})
    assert first.size == 4
    before = uuid.uuid1()
    by_cursor = DirectHistoryQuery.model_validate({"limit": "7", "before": str(before)})
    assert (by_cursor.page_number, by_cursor.size, by_cursor.before) == (None, 7, before)
    assert details(DirectHistoryQuery, {"pageSize": "101"}) == {"pageSize": "must be at most 100"}


@pytest.mark.parametrize("raw", ["0", "101", "-1", "1.5", "abc", "١٢", "+5", " 5", "5_0", "9" * 30])
def test_query_integers_are_plain_ascii_within_range(raw: str) -> None:
    assert set(details(UserSearchQuery, {"limit": raw})) == {"limit"}


def test_one_position_at_most() -> None:
    ids = {name: str(uuid.uuid1()) for name in ("before", "after")}
    assert set(details(HistoryQuery, {**CONVERSATION, **ids})) == {"before"}
    query = HistoryQuery.model_validate({**CONVERSATION, "around": ids["after"]})
    assert query.limit == 50 and query.around == uuid.UUID(ids["after"])
