"""Read markers on fakes: marking read moves the marker forward only, clears the unread
count, and a sender's own messages never count as unread."""

from __future__ import annotations

import pytest

from chat_service.domain.errors import NotFound
from chat_service.domain.events import EventType
from tests.unit.fakes.world import World, world


async def _unread(w: World, username: str) -> dict:
    items, _ = await w.inbox.list(username, 100, None, "")
    return {item.id: item.unread_count for item in items}


async def test_marking_read_clears_the_unread_count_and_tells_only_the_reader() -> None:
    w = world("ann", "bob")
    room = (await w.membership.create_group("ann", "Room", ["bob"], False)).conversation.id
    sent = [await w.messages.post("ann", room, f"m{i}", None, None) for i in range(3)]
    assert (await _unread(w, "bob"))[room] == 3
    assert (await _unread(w, "ann"))[room] == 0  # own messages are read
    await w.read_markers.mark_read("bob", room, sent[1].id)
    assert (await _unread(w, "bob"))[room] == 1
    (event,) = w.events.of_type(EventType.READ)
    assert event.recipients == ("bob",) and event.message_id == sent[1].id


async def test_a_marker_never_moves_backwards() -> None:
    w = world("ann", "bob")
    room = (await w.membership.create_group("ann", "Room", ["bob"], False)).conversation.id
    older, newer = [await w.messages.post("ann", room, t, None, None) for t in ("a", "b")]
    await w.read_markers.mark_read("bob", room, newer.id)
    await w.read_markers.mark_read("bob", room, older.id)
    assert (await w.conversations.member(room, "bob")).last_read_id == newer.id
    assert (await _unread(w, "bob"))[room] == 0


async def test_system_events_never_count_as_unread() -> None:
    w = world("ann", "bob", "cyd")
    room = (await w.membership.create_group("ann", "Room", ["bob"], False)).conversation.id
    await w.membership.add_member("ann", room, "cyd")
    await w.membership.remove_member("cyd", room, "cyd")
    assert (await _unread(w, "bob"))[room] == 0


async def test_the_marker_must_name_a_message_of_the_conversation() -> None:
    w = world("ann")
    room = (await w.membership.create_group("ann", "Room", [], False)).conversation.id
    other = (await w.membership.create_group("ann", "Other", [], False)).conversation.id
    elsewhere = await w.messages.post("ann", other, "x", None, None)
    with pytest.raises(NotFound) as missing:
        await w.read_markers.mark_read("ann", room, elsewhere.id)
    assert missing.value.code == "message_not_found"
