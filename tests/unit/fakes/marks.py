"""Fakes of the reaction and pin stores, the marks' versions, and the marks reader (what
`repos/marks.py` answers, computed from the fake stores without any memory)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from chat_service.domain.models import NO_MARKS, Message, MessageMarks, PageMarks, Pin
from chat_service.domain.reactions import MessageReactions, summary, tally
from chat_service.domain.timelines import Timeline


class FakeReactions:
    def __init__(self) -> None:
        # (conversation id, message id, emoji, username): reacted at; copies: by username.
        self.rows: dict[tuple[uuid.UUID, uuid.UUID, str, str], int] = {}
        self.copies: dict[str, set[tuple[uuid.UUID, str, str]]] = {}

    async def add(
        self, message: Message, emoji: str, username: str, at_ns: int, copies: Sequence[str]
    ) -> None:
        self.rows[(message.conversation_id, message.id, emoji, username)] = at_ns
        for person in copies:
            self.copies.setdefault(person, set()).add((message.id, emoji, username))

    async def remove(
        self, message: Message, emoji: str, username: str, copies: Sequence[str]
    ) -> None:
        self.rows.pop((message.conversation_id, message.id, emoji, username), None)
        for person in copies:
            self.copies.get(person, set()).discard((message.id, emoji, username))

    async def clear(self, message: Message, copies: Sequence[str]) -> None:
        for key in [k for k in self.rows if k[1] == message.id]:
            del self.rows[key]
        for person in copies:
            held = self.copies.get(person, set())
            held -= {row for row in held if row[0] == message.id}

    async def emoji_of(self, message_id: uuid.UUID, username: str) -> set[str]:
        return {e for (_, m, e, u) in self.rows if m == message_id and u == username}

    async def of_message(self, message: Message) -> MessageReactions:
        rows = [(m, e, u, at) for (_, m, e, u), at in self.rows.items() if m == message.id]
        return tally(rows).get(message.id.int, ())

    async def reactors(
        self, message: Message, emoji: str, after: str, limit: int
    ) -> tuple[list[str], bool]:
        names = sorted(
            u for (_, m, e, u) in self.rows if m == message.id and e == emoji and u > after
        )
        return names[:limit], len(names) > limit


class FakePins:
    def __init__(self) -> None:
        self.pinned: dict[uuid.UUID, dict[uuid.UUID, Pin]] = {}
        self.copies: dict[str, set[uuid.UUID]] = {}

    async def pin(self, message: Message, by: str, at_ns: int, copies: Sequence[str]) -> None:
        self.pinned.setdefault(message.conversation_id, {})[message.id] = Pin(message.id, by, at_ns)
        for person in copies:
            self.copies.setdefault(person, set()).add(message.id)

    async def unpin(self, message: Message, copies: Sequence[str]) -> None:
        self.pinned.get(message.conversation_id, {}).pop(message.id, None)
        for person in copies:
            self.copies.get(person, set()).discard(message.id)

    async def pins(self, conversation_id: uuid.UUID) -> list[Pin]:
        held = self.pinned.get(conversation_id, {}).values()
        return sorted(held, key=lambda pin: pin.pinned_at_ns, reverse=True)


class FakeMarkChanges:
    def __init__(self) -> None:
        self.changed_timelines: list[str] = []

    def changed(self, timelines: Sequence[str]) -> None:
        self.changed_timelines.extend(timelines)


class FakeMarks:
    """Marks read straight from the fake stores (conversation rows only)."""

    def __init__(self, reactions: FakeReactions, pins: FakePins) -> None:
        self._reactions = reactions
        self._pins = pins

    async def page_marks(
        self,
        timeline: Timeline,
        messages: Sequence[Message],
        viewer: str,
        newest_first: bool = True,
    ) -> PageMarks:
        marks = PageMarks()
        for message in messages:
            found = await self.message_marks(message, viewer)
            if found != NO_MARKS:
                marks[message.id.int] = found
        return marks

    async def message_marks(self, message: Message, viewer: str | None) -> MessageMarks:
        if message.deleted:
            return NO_MARKS
        reactions = summary(await self._reactions.of_message(message), viewer)
        pinned = message.id in self._pins.pinned.get(message.conversation_id, {})
        return MessageMarks(reactions, pinned)
