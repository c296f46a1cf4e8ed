"""Timelines (a conversation's history, or one user's direct messages) and their pages:
the value types of the one timeline read API (`repos/timeline_pages.py`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

from chat_service.domain.models import Message, PageMarks

NO_PAGE_MARKS = PageMarks()  # shared: never written to


class Timeline:
    """A history: a conversation's (`ConversationTimeline`), or every direct message one
    user sent or received (`DirectMessagesTimeline`). A plain slotted class, made on every
    history request: cheaper than a named tuple or a dataclass."""

    __slots__ = ("owner",)

    def __init__(self, owner: uuid.UUID | str) -> None:
        self.owner = owner

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.owner == self.owner

    def __hash__(self) -> int:
        return hash((type(self), self.owner))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.owner!r})"


class ConversationTimeline(Timeline):
    __slots__ = ()
    owner: uuid.UUID

    def __init__(self, conversation_id: uuid.UUID) -> None:
        self.owner = conversation_id

    @staticmethod
    def name_of(conversation_id: uuid.UUID) -> str:
        """The timeline's name, as the recent-history cache knows it."""
        return f"c:{conversation_id}"


class DirectMessagesTimeline(Timeline):
    __slots__ = ()
    owner: str

    def __init__(self, username: str) -> None:
        self.owner = username

    @staticmethod
    def name_of(username: str) -> str:
        return f"u:{username}"


class Direction(StrEnum):
    """Which way a page runs from its cursor (a message id); every page is newest first."""

    BEFORE = "before"  # older than the cursor (no cursor: the newest page)
    AFTER = "after"  # newer than the cursor (catching up)
    AROUND = "around"  # both sides of the cursor's message, which is included


class TimelinePage(NamedTuple):
    messages: list[Message]  # newest first
    next_cursor: uuid.UUID | None  # the id to pass on in the same direction; None at the end
    marks: PageMarks = NO_PAGE_MARKS  # reactions and pins, for the reader (services fill it)


@dataclass(frozen=True, slots=True)
class NumberedPage:
    """A page by page number (or by a `before` cursor) with the timeline's total."""

    messages: list[Message]  # newest first
    page: int | None  # None when paged by cursor
    page_size: int
    total: int
    next_cursor: uuid.UUID | None
    marks: PageMarks = field(default_factory=PageMarks)  # reactions and pins (services)
