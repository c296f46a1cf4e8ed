"""Timelines (a conversation's history, or one user's direct messages) and their pages:
the value types of the one timeline read API (`repos/timeline_pages.py`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from chat_service.domain.models import Message


class TimelineKind(StrEnum):
    CONVERSATION = "conversation"
    DIRECT_MESSAGES = "direct_messages"  # every direct message a user sent or received


class Timeline(NamedTuple):
    kind: TimelineKind
    owner: uuid.UUID | str  # the conversation id, or the username

    @classmethod
    def conversation(cls, conversation_id: uuid.UUID) -> Timeline:
        return cls(TimelineKind.CONVERSATION, conversation_id)

    @classmethod
    def direct_messages(cls, username: str) -> Timeline:
        return cls(TimelineKind.DIRECT_MESSAGES, username)


class Direction(StrEnum):
    """Which way a page runs from its cursor (a message id); every page is newest first."""

    BEFORE = "before"  # older than the cursor (no cursor: the newest page)
    AFTER = "after"  # newer than the cursor (catching up)
    AROUND = "around"  # both sides of the cursor's message, which is included


class TimelinePage(NamedTuple):
    messages: list[Message]  # newest first
    next_cursor: uuid.UUID | None  # the id to pass on in the same direction; None at the end


@dataclass(frozen=True, slots=True)
class NumberedPage:
    """A page by page number (or by a `before` cursor) with the timeline's total."""

    messages: list[Message]  # newest first
    page: int | None  # None when paged by cursor
    page_size: int
    total: int
    next_cursor: uuid.UUID | None
