"""The conversation list on fakes: newest activity first, filtered by name or peer, paged
by an opaque cursor that covers every item exactly once."""

from __future__ import annotations

import pytest

from chat_service.domain.errors import InvalidInput
from tests.unit.fakes.world import world


async def test_the_list_runs_newest_activity_first_and_pages_exactly() -> None:
    w = world("ann", "bob")
    rooms = [
        (await w.membership.create_group("ann", f"Room {i}", ["bob"], False)).conversation.id
        for i in range(5)
    ]
    await w.messages.post("bob", rooms[1], "bump", None, None)
    direct = (await w.direct_messages.send("bob", "ann", "hello", None)).conversation_id
    everything, cursor = await w.inbox.list("ann", 100, None, "")
    order = [item.id for item in everything]
    assert cursor is None
    assert order[:2] == [direct, rooms[1]] and set(order) == {direct, *rooms}
    paged, cursor = [], None
    while True:
        items, cursor = await w.inbox.list("ann", 2, cursor, "")
        paged += [item.id for item in items]
        if cursor is None:
            break
    assert paged == order
    assert everything[0].last_message.content == "hello" and everything[0].unread_count == 1


async def test_the_query_filters_by_group_name_or_peer_ignoring_case() -> None:
    w = world("ann", "bob", "carla")
    await w.membership.create_group("ann", "Book Club", [], False)
    room = (await w.membership.create_group("ann", "Chess", [], False)).conversation.id
    direct = (await w.direct_messages.send("ann", "carla", "hi", None)).conversation_id
    by_name, _ = await w.inbox.list("ann", 10, None, "CHE")
    by_peer, _ = await w.inbox.list("ann", 10, None, "arl")
    assert [item.id for item in by_name] == [room]
    assert [item.id for item in by_peer] == [direct] and by_peer[0].peer == "carla"


async def test_a_member_removed_no_longer_lists_the_group() -> None:
    w = world("ann", "bob")
    room = (await w.membership.create_group("ann", "Room", ["bob"], False)).conversation.id
    await w.membership.remove_member("ann", room, "bob")
    items, _ = await w.inbox.list("bob", 10, None, "")
    assert items == []


@pytest.mark.parametrize("cursor", ["@@", "bm90IGEgY3Vyc29y", "MTIzfG5vdC1hLXV1aWQ"])
async def test_a_cursor_this_api_did_not_give_out_is_400(cursor: str) -> None:
    w = world("ann")
    with pytest.raises(InvalidInput) as refused:
        await w.inbox.list("ann", 10, cursor, "")
    assert refused.value.details == {"cursor": "invalid"}
