"""Inputs of `/auth/*` and `/users*`."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from chat_service.api.schemas.base import QUERY_INT, BodyInput, Password, QueryInput, UsernameInput
from chat_service.domain import validation


class RegisterRequest(BodyInput):
    username: UsernameInput
    password: Password


class LoginRequest(BodyInput):
    """Any strings: values that could never be valid (a malformed username, a password of
    the wrong length) simply do not match an account and get `401`."""

    username: Annotated[str, Field(examples=["minnie"])]
    password: str


class RefreshRequest(BodyInput):
    refresh_token: Annotated[str, Field(min_length=1)]


class UserSearchQuery(QueryInput):
    q: Annotated[
        str,
        Field(
            max_length=validation.USER_PREFIX_MAX,
            description="A username prefix (case-insensitive); empty or absent matches every user.",
        ),
    ] = ""
    limit: Annotated[
        int, Field(ge=1, le=validation.LIMIT_MAX, description="Page size."), QUERY_INT
    ] = 20
    cursor: Annotated[
        str | None, Field(description="The previous page's `next_cursor` (opaque to clients).")
    ] = None
