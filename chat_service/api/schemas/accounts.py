"""Inputs of `/auth/*` and `/users*`."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from chat_service.api.schemas.base import QUERY_INT, BodyInput, Password, QueryInput, UsernameInput
from chat_service.domain import validation

EmailInput = Annotated[
    str,
    Field(
        max_length=validation.EMAIL_MAX,
        pattern=validation.EMAIL_INPUT,
        description="An email address (ASCII); stored and answered lowercase.",
        examples=["minnie@example.com"],
    ),
    AfterValidator(str.lower),
]
EmailToken = Annotated[
    str,
    Field(
        min_length=1,
        max_length=validation.EMAIL_TOKEN_MAX,
        description="The token from the link in the email.",
    ),
]


class RegisterRequest(BodyInput):
    username: UsernameInput
    password: Password
    email: Annotated[
        EmailInput | None,
        Field(
            description="Optional (required when the service requires verified addresses); "
            "a verification email goes to it. One account per address."
        ),
    ] = None


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


class VerifyEmailRequest(BodyInput):
    token: EmailToken


class PasswordResetRequest(BodyInput):
    """Exactly one of `email` and `username`."""

    email: EmailInput | None = None
    username: UsernameInput | None = None

    @model_validator(mode="after")
    def _one_account(self) -> PasswordResetRequest:
        if (self.email is None) == (self.username is None):
            raise PydanticCustomError(
                "one_account", "give exactly one of email and username", {"field": "email"}
            )
        return self


class PasswordResetConfirmRequest(BodyInput):
    token: EmailToken
    new_password: Password


class PasswordChangeRequest(BodyInput):
    """`current_password` is any string: a wrong one gets `403`."""

    current_password: str
    new_password: Password
