"""A fake of the change logs (`repos.changes.ChangeLogRepository`), in memory."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence

from chat_service.domain.events import Event
from chat_service.domain.stream import change_key


class FakeChangeLog:
    def __init__(self) -> None:
        self.logs: defaultdict[str, dict[uuid.UUID, Event]] = defaultdict(dict)
        self.marks: defaultdict[str, dict[uuid.UUID, uuid.UUID]] = defaultdict(dict)
        self.reads: list[str] = []  # the streams read, in order

    async def append(self, streams: Sequence[str], event: Event) -> None:
        assert event.change_id is not None
        for stream in streams:
            self.logs[stream][event.change_id] = event

    async def touch(
        self, usernames: Sequence[str], conversation_id: uuid.UUID, change_id: uuid.UUID
    ) -> None:
        for name in usernames:
            last = self.marks[name].get(conversation_id)
            if last is None or change_key(last) < change_key(change_id):
                self.marks[name][conversation_id] = change_id

    async def touched(self, username: str) -> dict[uuid.UUID, uuid.UUID]:
        return dict(self.marks[username])

    async def read(
        self, stream: str, after_ticks: int, until_ns: int, limit: int
    ) -> tuple[list[Event], bool]:
        self.reads.append(stream)
        found = sorted(
            (e for c, e in self.logs[stream].items() if c.time > after_ticks),
            key=lambda e: change_key(e.change_id),  # type: ignore[arg-type]
        )
        return found[:limit], len(found) >= limit
