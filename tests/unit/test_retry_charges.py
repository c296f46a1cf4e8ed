"""A retry of a stored `client_message_id` is not charged to the sender's limits (on
fakes): the first attempt counts once, however many retries follow."""

from __future__ import annotations

from tests.unit.fakes.world import world


async def test_group_retries_are_not_charged() -> None:
    w = world("ann", "bob")
    room = (await w.membership.create_group("ann", "Room", ["bob"], False)).conversation.id
    first = await w.messages.post("ann", room, "once", "k-1", None)
    retries = [await w.messages.post("ann", room, "once", "k-1", None) for _ in range(3)]
    assert {m.id for m in retries} == {first.id}
    assert w.limits.taken == ["ann"]


async def test_direct_retries_are_not_charged() -> None:
    w = world("ann", "bob")
    first = await w.direct_messages.send("ann", "bob", "once", "k-1")
    again = await w.direct_messages.send("ann", "bob", "once", "k-1")
    assert again.id == first.id and w.limits.taken == ["ann"]
    await w.direct_messages.send("ann", "bob", "new", "k-2")
    assert w.limits.taken == ["ann", "ann"]
