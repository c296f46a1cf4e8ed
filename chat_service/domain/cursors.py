"""Every cursor the API gives out, each with a typed `parse` and `encode`.

- The conversation list (`GET /conversations`): opaque, the activity time and id of the
  last item of the page.
- The user search (`GET /users`): opaque, the last username of the page.
- Who reacted (`GET .../reactions/{emoji}`): opaque, the last username of the page.
- Histories (`GET /conversations/{id}/messages` `before`/`after`/`around`, and
  `nextCursor` of `GET /messages`): message ids, as the contract fixes them.

Parsing never raises anything but `InvalidInput` naming the query parameter.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass

from chat_service.domain import validation
from chat_service.domain.errors import InvalidInput
from chat_service.domain.ids import parse_timeuuid

_NOT_OURS = "not a cursor this API gave out"


def _refused(field: str) -> InvalidInput:
    return InvalidInput(f"{field}: {_NOT_OURS}", details={field: "invalid"})


def _unpack(raw: str, field: str) -> str:
    """The text inside an opaque cursor (unpadded URL-safe base64 of UTF-8)."""
    try:
        data = base64.b64decode(raw + "=" * (-len(raw) % 4), altchars=b"-_", validate=True)
        return data.decode()
    except (binascii.Error, ValueError) as exc:  # UnicodeError is a ValueError
        raise _refused(field) from exc


def _pack(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@dataclass(frozen=True, slots=True)
class InboxCursor:
    """Where a page of the conversation list ended: the last item's activity and id."""

    activity_ns: int
    conversation_id: uuid.UUID

    def encode(self) -> str:
        return _pack(f"{self.activity_ns}|{self.conversation_id}")

    @classmethod
    def parse(cls, raw: str, field: str = "cursor") -> InboxCursor:
        at, bar, conversation = _unpack(raw, field).partition("|")
        if not bar or not at.lstrip("-").isdigit() or not at.isascii() or len(at) > 20:
            raise _refused(field)
        try:
            return cls(int(at), uuid.UUID(conversation))
        except ValueError as exc:
            raise _refused(field) from exc


@dataclass(frozen=True, slots=True)
class UserSearchCursor:
    """Where a page of the user search ended: the last username."""

    username: str

    def encode(self) -> str:
        return _pack(self.username)

    @classmethod
    def parse(cls, raw: str, field: str = "cursor") -> UserSearchCursor:
        name = _unpack(raw, field)
        if not validation.USERNAME.fullmatch(name):
            raise _refused(field)
        return cls(name)


class MessageCursor:
    """History cursors are message ids (TIMEUUIDs) on the wire; parsed, a `uuid.UUID`, so
    the hot history paths allocate nothing for them."""

    @staticmethod
    def encode(message_id: uuid.UUID) -> str:
        return str(message_id)

    @staticmethod
    def parse(raw: str, field: str = "before") -> uuid.UUID:
        parsed = parse_timeuuid(raw)
        if parsed is None:
            reason = "must be a message id (a TIMEUUID)"
            raise InvalidInput(f"{field}: {reason}", details={field: reason})
        return parsed


@dataclass(frozen=True, slots=True)
class ReactorsCursor:
    """Where a page of who reacted with one emoji ended: the last username."""

    username: str

    def encode(self) -> str:
        return _pack(f"r|{self.username}")

    @classmethod
    def parse(cls, raw: str, field: str = "cursor") -> ReactorsCursor:
        kind, bar, name = _unpack(raw, field).partition("|")
        if kind != "r" or not bar or not validation.USERNAME.fullmatch(name):
            raise _refused(field)
        return cls(name)
