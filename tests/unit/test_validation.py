import uuid

import pytest

from chat_service.domain import validation
from chat_service.domain.errors import InvalidInput


@pytest.mark.parametrize("name", ["abc", "Minnie", "a.b-c_d", "0zero", "x" * 32])
def test_valid_usernames_are_lowercased(name: str) -> None:
    assert validation.username(name) == name.lower()


@pytest.mark.parametrize(
    "name",
    ["ab", "x" * 33, "_lead", ".lead", "sp ace", "émile", "\u212aelvin", "abcd\n", 42, None, ""],
)
def test_invalid_usernames_are_refused(name: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        validation.username(name)
    assert caught.value.details == {"username": caught.value.details["username"]}


@pytest.mark.parametrize("password", ["12345678", "x" * 128, "ünïcødé!"])
def test_valid_passwords(password: str) -> None:
    assert validation.password(password) == password


@pytest.mark.parametrize("password", ["1234567", "x" * 129, None, 12345678])
def test_invalid_passwords(password: object) -> None:
    with pytest.raises(InvalidInput):
        validation.password(password)


@pytest.mark.parametrize("content", ["hi", "x" * 4000, "'; DROP TABLE users; --", "\x00\x07"])
def test_content_is_kept_verbatim(content: str) -> None:
    assert validation.content(content) == content


@pytest.mark.parametrize("content", ["", "   \n\t", "x" * 4001, None, ["hi"]])
def test_invalid_content(content: object) -> None:
    with pytest.raises(InvalidInput):
        validation.content(content)


def test_message_ids_may_come_parsed() -> None:
    given = uuid.uuid1()
    assert validation.message_id(given, "message_id") == given
    assert validation.message_id(str(given).upper(), "message_id") == given
    with pytest.raises(InvalidInput):
        validation.message_id(uuid.uuid4(), "message_id")
