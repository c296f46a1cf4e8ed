"""Pins, on fakes: admins in groups, either member of a direct conversation, no pin of a
deleted message, the pin limit, and deleting a message unpins it."""

from __future__ import annotations

import pytest

from chat_service.domain.errors import Conflict, Forbidden, NotFound
from chat_service.domain.events import EventType
from chat_service.domain.models import Role
from tests.unit.fakes.world import world


async def test_admins_pin_in_groups_members_may_not() -> None:
    w = world("ann", "bob", "eve")
    room = (await w.membership.create_group("ann", "Room", ["bob"], False)).conversation.id
    message = await w.messages.post("bob", room, "pin me", None, None)
    with pytest.raises(Forbidden):
        await w.pins.pin("bob", room, message.id)
    with pytest.raises(NotFound):
        await w.pins.pin("eve", room, message.id)
    await w.pins.pin("ann", room, message.id)
    await w.pins.pin("ann", room, message.id)  # idempotent: one event
    assert [e.pinned for e in w.events.of_type(EventType.PINS)] == [True]
    await w.membership.set_role("ann", room, "bob", Role.ADMIN)
    await w.pins.unpin("bob", room, message.id)
    assert [e.pinned for e in w.events.of_type(EventType.PINS)] == [True, False]


async def test_either_member_pins_a_direct_conversation_and_delete_unpins() -> None:
    w = world("ann", "bob")
    sent = await w.direct_messages.send("ann", "bob", "dm", None)
    await w.pins.pin("bob", sent.conversation_id, sent.id)
    messages, marks = await w.pins.pinned("ann", sent.conversation_id)
    assert [m.id for m in messages] == [sent.id] and marks.of(sent).pinned
    await w.messages.delete("ann", sent.conversation_id, sent.id)
    assert await w.pins.pinned("ann", sent.conversation_id) == ([], {})
    assert w.events.of_type(EventType.PINS)[-1].pinned is False
    with pytest.raises(Conflict) as refused:
        await w.pins.pin("bob", sent.conversation_id, sent.id)
    assert refused.value.code == "message_deleted"


async def test_most_recent_pin_first_and_at_most_fifty() -> None:
    w = world("ann")
    room = (await w.membership.create_group("ann", "Room", [], False)).conversation.id
    posted = [await w.messages.post("ann", room, f"m{i}", None, None) for i in range(51)]
    for message in posted[:50]:
        await w.pins.pin("ann", room, message.id)
    with pytest.raises(Conflict) as refused:
        await w.pins.pin("ann", room, posted[50].id)
    assert refused.value.code == "too_many_pins"
    messages, _ = await w.pins.pinned("ann", room)
    assert [m.id for m in messages] == [m.id for m in reversed(posted[:50])]
