"""Inputs of `/users/presence`."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from chat_service.api.schemas.base import QueryInput, UsernameInput
from chat_service.domain import validation

PRESENCE_NAMES_MAX = 100
_NAME = validation.USERNAME_INPUT.strip("^$")


def _split(value: object) -> object:
    """`a,b,c` -> ["a", "b", "c"]; more than the maximum is refused before any is checked."""
    if not isinstance(value, str):
        return value
    names = value.split(",")
    if len(names) > PRESENCE_NAMES_MAX:
        raise PydanticCustomError("too_many_names", f"must name at most {PRESENCE_NAMES_MAX} users")
    return names


Usernames = Annotated[
    list[UsernameInput],
    BeforeValidator(_split),
    Field(min_length=1, max_length=PRESENCE_NAMES_MAX),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": f"^{_NAME}(,{_NAME}){{0,{PRESENCE_NAMES_MAX - 1}}}$",
            "description": f"1 to {PRESENCE_NAMES_MAX} comma-separated usernames "
            "(case-insensitive; a name given twice is answered once).",
        }
    ),
]


class PresenceQuery(QueryInput):
    usernames: Usernames

    def distinct(self) -> list[str]:
        """The names asked for, each once, in the order first asked."""
        return list(dict.fromkeys(self.usernames))
