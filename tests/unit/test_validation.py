"""The input rules of the contract, as the request models apply them (once, at the edge)."""

import uuid

import pytest
from pydantic import ValidationError

from chat_service.api.schemas.accounts import RegisterRequest
from chat_service.api.schemas.conversations import MarkReadRequest
from chat_service.api.schemas.messages import SendDirectMessageRequest

PASSWORD = "p" * 8


@pytest.mark.parametrize("name", ["abc", "Minnie", "a.b-c_d", "0zero", "x" * 32])
def test_valid_usernames_are_lowercased(name: str) -> None:
    body = RegisterRequest.model_validate({"username": name, "password": PASSWORD})
    assert body.username == name.lower()


@pytest.mark.parametrize(
    "name",
    ["ab", "x" * 33, "_lead", ".lead", "sp ace", "émile", "\u212aelvin", "abcd\n", 42, None, ""],
)
def test_invalid_usernames_are_refused(name: object) -> None:
    with pytest.raises(ValidationError) as caught:
        RegisterRequest.model_validate({"username": name, "password": PASSWORD})
    assert {error["loc"] for error in caught.value.errors()} == {("username",)}


@pytest.mark.parametrize("password", ["12345678", "x" * 128, "ünïcødé!"])
def test_valid_passwords(password: str) -> None:
    body = RegisterRequest.model_validate({"username": "minnie", "password": password})
    assert body.password == password


@pytest.mark.parametrize("password", ["1234567", "x" * 129, None, 12345678])
def test_invalid_passwords(password: object) -> None:
    with pytest.raises(ValidationError):
        RegisterRequest.model_validate({"username": "minnie", "password": password})


@pytest.mark.parametrize("content", ["hi", "x" * 4000, "'; DROP TABLE users; --", "\x00\x07"])
def test_content_is_kept_verbatim(content: str) -> None:
    body = SendDirectMessageRequest.model_validate({"recipient": "bob", "content": content})
    assert body.content == content


@pytest.mark.parametrize("content", ["", "   \n\t", "x" * 4001, None, ["hi"]])
def test_invalid_content(content: object) -> None:
    with pytest.raises(ValidationError):
        SendDirectMessageRequest.model_validate({"recipient": "bob", "content": content})


def test_message_ids_in_either_letter_case_but_only_timeuuids() -> None:
    given = uuid.uuid1()
    conversation = uuid.uuid4()
    for raw in (str(given), str(given).upper()):
        body = MarkReadRequest.model_validate({"conversation_id": conversation, "message_id": raw})
        assert body.message_id == given
    with pytest.raises(ValidationError):
        MarkReadRequest.model_validate(
            {"conversation_id": conversation, "message_id": str(uuid.uuid4())}
        )
