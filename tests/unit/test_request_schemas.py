"""The served request schemas and the models agree value for value: whatever the model
accepts the schema accepts, and the other way round (the URL's host check aside, which
the schema cannot say)."""

from __future__ import annotations

import functools
import uuid
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from pydantic import ValidationError

from chat_service.api.openapi import SPEC
from chat_service.api.schemas.accounts import RegisterRequest
from chat_service.api.schemas.base import RequestModel
from chat_service.api.schemas.conversations import (
    CreateGroupRequest,
    EditMessageRequest,
    MarkReadRequest,
    PostMessageRequest,
    SetRoleRequest,
)
from chat_service.api.schemas.messages import SendDirectMessageRequest

PATH = {"conversation_id": uuid.uuid4(), "message_id": uuid.uuid1(), "username": "x"}
# Characters where the rules have edges: the username alphabet, whitespace of every kind,
# non-ASCII letters that lowercase to ASCII (the Kelvin sign), control characters.
EDGY = st.sampled_from([*"aZ09_.-", " ", "\t", "\n", "\u3000", "\u200b", "é", "\u212a"])
TEXT = st.one_of(
    st.text(EDGY, max_size=40),
    st.text(max_size=8),
    st.integers(min_value=0, max_value=9).map(lambda n: "x" * (60 + n)),
)
ANY_JSON = st.one_of(TEXT, st.none(), st.booleans(), st.integers(-3, 3), st.just([]))


@functools.cache
def _validator(model: type[RequestModel]) -> Draft202012Validator:
    schema = {**SPEC["components"]["schemas"][model.__name__], "components": SPEC["components"]}
    return Draft202012Validator(schema)


def _agree(model: type[RequestModel], body: dict[str, Any]) -> None:
    by_schema = _validator(model).is_valid(body)
    try:
        model.model_validate({**body, **{name: PATH[name] for name in model.path}})
        by_model = True
    except ValidationError:
        by_model = False
    assert by_schema == by_model, body


def _fields(**strategies: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Objects where each field may also be missing."""
    return st.fixed_dictionaries({}, optional=strategies)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])  # the first draws
@given(_fields(username=ANY_JSON, password=st.one_of(ANY_JSON, st.text(min_size=7, max_size=9))))
def test_register(body: dict[str, Any]) -> None:
    _agree(RegisterRequest, body)


@given(_fields(recipient=ANY_JSON, content=ANY_JSON, client_message_id=ANY_JSON))
def test_send_direct_message(body: dict[str, Any]) -> None:
    _agree(SendDirectMessageRequest, body)


@given(_fields(name=ANY_JSON, members=st.one_of(ANY_JSON, st.lists(TEXT, max_size=3)),
               is_private=ANY_JSON))  # fmt: skip
def test_create_group(body: dict[str, Any]) -> None:
    _agree(CreateGroupRequest, body)


ATTACHMENT = st.one_of(
    ANY_JSON,
    _fields(type=st.sampled_from(["image", "file", "pdf", 3]), url=st.sampled_from(
        ["https://x.test/a", "HTTP://x.test", "ftp://x.test/a", "https://", 7]
    )),
)  # fmt: skip


@given(_fields(content=ANY_JSON, attachment=ATTACHMENT, client_message_id=ANY_JSON))
def test_post_message(body: dict[str, Any]) -> None:
    _agree(PostMessageRequest, body)


@given(_fields(content=ANY_JSON))
def test_edit_message(body: dict[str, Any]) -> None:
    _agree(EditMessageRequest, body)


MESSAGE_IDS = st.one_of(
    ANY_JSON,
    st.builds(lambda: str(uuid.uuid1())),
    st.builds(lambda: str(uuid.uuid1()).upper()),
    st.builds(lambda: str(uuid.uuid4())),
    st.builds(lambda: uuid.uuid1().hex),
)


@given(_fields(message_id=MESSAGE_IDS))
def test_mark_read(body: dict[str, Any]) -> None:
    _agree(MarkReadRequest, body)


@given(_fields(role=st.sampled_from(["admin", "member", "Admin", "owner", None, 1])))
def test_set_role(body: dict[str, Any]) -> None:
    _agree(SetRoleRequest, body)
