"""The hub's per-connection `stream_id`: the position after the event, covering what this
connection was sent, never what it was not."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace

import orjson
import pytest

from chat_service.api import hub as hub_module
from chat_service.api.hub import Hub
from chat_service.domain.events import Event, EventType
from chat_service.domain.ids import TimeUuidFactory
from chat_service.domain.stream import StreamPosition

NOW = 1_800_000_000 * 10**9
SETTLE = 5 * 10**9
ROOM = uuid.uuid4()


class FakeSocket:
    def __init__(self) -> None:
        self.sent: list[dict] = []

    async def send_str(self, text: str) -> None:
        self.sent.append(orjson.loads(text))

    async def close(self, code: int, message: bytes) -> None:
        pass


class NoSubscriptions:
    async def watch(self, username: str) -> None:
        pass

    def unwatch(self, username: str) -> None:
        pass


def _read(user: str, change: uuid.UUID | None) -> Event:
    return Event(EventType.READ, (user,), ROOM, username=user, message_id=uuid.uuid1(),
                 change_id=change)  # fmt: skip


async def test_each_connection_gets_the_position_after_what_it_was_sent() -> None:
    hub = Hub(16, NoSubscriptions(), SETTLE, clock_ns=lambda: NOW)
    ann, bob = FakeSocket(), FakeSocket()
    hub.connect(ann, "ann")  # type: ignore[arg-type]
    hub.connect(bob, "bob")  # type: ignore[arg-type]
    ids = TimeUuidFactory()
    first, second = ids.new(NOW - 1000), ids.new(NOW - 500)
    hub.deliver(_read("ann", first))
    hub.deliver(Event(EventType.READ, ("ann", "bob"), ROOM, username="ann", change_id=second))
    await asyncio.sleep(0)
    ann_position = StreamPosition.decode(ann.sent[-1]["stream_id"])
    bob_position = StreamPosition.decode(bob.sent[-1]["stream_id"])
    assert ann_position.covers(first) and ann_position.covers(second)
    assert bob_position.covers(second) and not bob_position.covers(first)
    assert ann_position.floor == bob_position.floor  # now - settle, behind both


async def test_an_event_without_a_change_id_has_no_stream_id() -> None:
    hub = Hub(16, NoSubscriptions(), SETTLE, clock_ns=lambda: NOW)
    ann = FakeSocket()
    hub.connect(ann, "ann")  # type: ignore[arg-type]
    hub.deliver(_read("ann", None))
    await asyncio.sleep(0)
    assert "stream_id" not in ann.sent[0] and ann.sent[0]["type"] == "conversation.read"


async def test_the_copies_of_an_event_heard_on_several_shards_are_rendered_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rendered: list[Event] = []

    def counted(event: Event) -> str:
        rendered.append(event)
        return original(event)

    original = hub_module._data
    monkeypatch.setattr(hub_module, "_data", counted)
    hub = Hub(16, NoSubscriptions(), SETTLE, clock_ns=lambda: NOW)
    ann, bob = FakeSocket(), FakeSocket()
    hub.connect(ann, "ann")  # type: ignore[arg-type]
    hub.connect(bob, "bob")  # type: ignore[arg-type]
    change = TimeUuidFactory().new(NOW - 1000)
    event = Event(EventType.READ, ("ann", "bob"), ROOM, username="ann", change_id=change)
    hub.deliver(replace(event, recipients=("ann",)))  # ann's shard's copy
    hub.deliver(replace(event, recipients=("bob",)))  # bob's shard's
    hub.deliver(_read("ann", TimeUuidFactory().new(NOW - 500)))  # another event
    await asyncio.sleep(0)
    assert len(rendered) == 2
    assert ann.sent[0]["data"] == bob.sent[0]["data"]
