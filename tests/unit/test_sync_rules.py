"""`/sync` on fakes: what a user catches up on, from which logs, and the 410 rule."""

from __future__ import annotations

import pytest

from chat_service.domain.events import EventType, conversation_stream, user_stream
from chat_service.domain.stream import StreamPosition
from chat_service.services.sync import SyncExpired, SyncPage
from tests.unit.fakes.world import RETENTION_NS, SETTLE_NS, World, world


async def _start(w: World, username: str) -> StreamPosition:
    """The position a client starts from (no `since`) once the settle window has passed
    since the last change: that position is `now - settle`, so the changes of the last few
    seconds are still ahead of it."""
    w.clock.advance(SETTLE_NS)
    page = await w.sync.sync(username, None, 100)
    assert page.events == [] and not page.has_more
    return StreamPosition.decode(page.next_since)


def _kinds(page: SyncPage) -> list[tuple[str, str | None]]:
    return [
        (event.type.value, event.message.content if event.message else event.username)
        for event, _ in page.events
    ]


async def test_everything_the_user_would_have_heard_comes_back_in_order_once() -> None:
    w = world("ann", "bob", "cyd")
    room = (await w.membership.create_group("ann", "Room", ["bob", "cyd"], False)).conversation
    since = await _start(w, "bob")
    first = await w.messages.post("ann", room.id, "hello", None, None)
    await w.messages.edit("ann", room.id, first.id, "hello!")
    await w.messages.delete("ann", room.id, first.id)
    await w.membership.remove_member("ann", room.id, "cyd")
    await w.read_markers.mark_read("bob", room.id, first.id)
    page = await w.sync.sync("bob", since, 100)
    assert _kinds(page) == [
        ("message.created", "hello"),
        ("message.updated", "hello!"),
        ("message.deleted", None),
        ("message.created", None),  # the history's "cyd left" line
        ("conversation.member_left", "cyd"),
        ("conversation.read", "bob"),
    ]
    assert not page.has_more
    again = await w.sync.sync("bob", StreamPosition.decode(page.next_since), 100)
    assert again.events == []


async def test_a_read_marker_reaches_only_the_readers_own_stream() -> None:
    w = world("ann", "bob")
    room = (await w.membership.create_group("ann", "Room", ["bob"], False)).conversation
    message = await w.messages.post("ann", room.id, "hi", None, None)
    since_ann, since_bob = await _start(w, "ann"), await _start(w, "bob")
    await w.read_markers.mark_read("bob", room.id, message.id)
    assert [e.type for e, _ in (await w.sync.sync("bob", since_bob, 100)).events] == [
        EventType.READ
    ]
    assert (await w.sync.sync("ann", since_ann, 100)).events == []


async def test_who_is_removed_hears_of_it_and_nothing_after() -> None:
    w = world("ann", "bob")
    room = (await w.membership.create_group("ann", "Room", ["bob"], False)).conversation
    since = await _start(w, "bob")
    await w.membership.remove_member("ann", room.id, "bob")
    await w.messages.post("ann", room.id, "after you left", None, None)
    page = await w.sync.sync("bob", since, 100)
    assert _kinds(page) == [("conversation.member_left", "bob")]


async def test_a_new_member_gets_nothing_from_before_they_joined() -> None:
    w = world("ann", "bob", "cyd")
    room = (await w.membership.create_group("ann", "Room", ["bob"], False)).conversation
    since = await _start(w, "cyd")
    await w.messages.post("ann", room.id, "before cyd", None, None)
    await w.membership.add_member("ann", room.id, "cyd")
    await w.messages.post("ann", room.id, "welcome", None, None)
    kinds = _kinds(await w.sync.sync("cyd", since, 100))
    assert ("message.created", "before cyd") not in kinds
    assert kinds[-1] == ("message.created", "welcome")
    assert ("conversation.member_joined", "cyd") in kinds


async def test_only_the_logs_that_moved_are_read() -> None:
    w = world("ann", "bob")
    quiet = (await w.membership.create_group("ann", "Quiet", ["bob"], False)).conversation
    busy = (await w.membership.create_group("ann", "Busy", ["bob"], False)).conversation
    old = await w.messages.post("ann", quiet.id, "old", None, None)
    since = await _start(w, "bob")
    await w.messages.post("ann", busy.id, "new", None, None)
    w.change_log.reads.clear()
    await w.sync.sync("bob", since, 100)
    assert sorted(w.change_log.reads) == sorted([user_stream("bob"), conversation_stream(busy.id)])
    await w.messages.edit("ann", quiet.id, old.id, "edited")  # not a message: marked changed
    w.change_log.reads.clear()
    await w.sync.sync("bob", since, 100)
    assert conversation_stream(quiet.id) in w.change_log.reads


async def test_limit_pages_and_has_more() -> None:
    w = world("ann", "bob")
    room = (await w.membership.create_group("ann", "Room", ["bob"], False)).conversation
    since = await _start(w, "bob")
    sent = [await w.messages.post("ann", room.id, f"m{i}", None, None) for i in range(5)]
    got: list = []
    for _ in range(5):
        page = await w.sync.sync("bob", since, 2)
        got += [event.message.id for event, _ in page.events if event.message]
        since = StreamPosition.decode(page.next_since)
        if not page.has_more:
            break
    assert got == [m.id for m in sent]


async def test_a_position_older_than_the_retention_is_gone() -> None:
    w = world("ann")
    since = await _start(w, "ann")
    w.clock.advance(RETENTION_NS + 1)
    with pytest.raises(SyncExpired) as raised:
        await w.sync.sync("ann", since, 100)
    assert raised.value.code == "sync_expired"


async def test_typing_like_ephemeral_events_are_never_logged(monkeypatch) -> None:
    from chat_service.domain import events as domain_events
    from chat_service.services import change_stream

    monkeypatch.setattr(change_stream, "EPHEMERAL_EVENTS", frozenset({EventType.READ}))
    w = world("ann", "bob")
    room = (await w.membership.create_group("ann", "Room", ["bob"], False)).conversation
    message = await w.messages.post("ann", room.id, "hi", None, None)
    await w.read_markers.mark_read("bob", room.id, message.id)
    assert w.change_log.logs[domain_events.user_stream("bob")] == {}
    (published,) = w.events.of_type(EventType.READ)
    assert published.change_id is None


async def test_an_event_whose_log_fails_is_still_sent_live() -> None:
    from chat_service.domain.errors import StoreUnavailable
    from chat_service.domain.events import Event
    from chat_service.domain.ids import TimeUuidFactory
    from chat_service.services.change_stream import LoggedEvents
    from tests.unit.fakes.bus import FakeEventBus
    from tests.unit.fakes.changes import FakeChangeLog

    class BrokenLog(FakeChangeLog):
        async def append(self, streams, event) -> None:  # type: ignore[no-untyped-def]
            raise StoreUnavailable("Cassandra is unavailable")

    bus = FakeEventBus()
    room = (await world("ann").membership.create_group("ann", "R", [], False)).conversation
    events = LoggedEvents(BrokenLog(), bus, TimeUuidFactory())
    await events.publish(Event(EventType.MEMBER_LEFT, ("ann",), room.id, username="ann"))
    (sent,) = bus.published
    assert sent.type is EventType.MEMBER_LEFT and sent.change_id is not None
