"""Fakes of the event bus and the send limits."""

from __future__ import annotations

from chat_service.domain.errors import RateLimited
from chat_service.domain.events import Event, EventType


class FakeEventBus:
    def __init__(self) -> None:
        self.published: list[Event] = []

    async def publish(self, event: Event) -> None:
        self.published.append(event)

    def of_type(self, kind: EventType) -> list[Event]:
        return [event for event in self.published if event.type is kind]


class FakeLimits:
    def __init__(self, sends_allowed: int = 1_000_000) -> None:
        self.sends_allowed = sends_allowed
        self.taken: list[str] = []

    async def take_send(self, username: str) -> None:
        if len(self.taken) >= self.sends_allowed:
            raise RateLimited("Too many messages; slow down.", retry_after_s=1)
        self.taken.append(username)
