"""Reactions, on fakes: members only, the per-user emoji limit, no reaction to a deleted
message, idempotent calls that tell nobody, and the summary's order and `me`."""

from __future__ import annotations

import pytest

from chat_service.domain.errors import Conflict, InvalidInput, NotFound
from chat_service.domain.events import EventType
from chat_service.domain.models import ReactionCount
from chat_service.domain.timelines import DirectMessagesTimeline
from tests.unit.fakes.world import World, world


async def _posted(w: World):
    room = (await w.membership.create_group("ann", "Room", ["bob", "cyd"], False)).conversation
    return room.id, await w.messages.post("ann", room.id, "hi", None, None)


async def test_counts_order_and_me_per_viewer() -> None:
    w = world("ann", "bob", "cyd")
    room, message = await _posted(w)
    await w.reactions.react("ann", room, message.id, "🎉")
    await w.reactions.react("bob", room, message.id, "👍")
    await w.reactions.react("cyd", room, message.id, "👍")
    page = await w.reading.history("bob", room, 10)
    assert page.marks.of(message).reactions == (
        ReactionCount("👍", 2, True),
        ReactionCount("🎉", 1, False),
    )


async def test_repeats_change_nothing_and_publish_nothing() -> None:
    w = world("ann", "bob", "cyd")
    room, message = await _posted(w)
    await w.reactions.react("bob", room, message.id, "👍")
    await w.reactions.react("bob", room, message.id, "👍")
    await w.reactions.unreact("cyd", room, message.id, "👍")
    events = w.events.of_type(EventType.REACTIONS)
    assert len(events) == 1 and events[0].added is True and events[0].username == "bob"
    assert events[0].reactions == (ReactionCount("👍", 1, False),)  # no `me` in a broadcast
    assert set(events[0].recipients) == {"ann", "bob", "cyd"}
    await w.reactions.unreact("bob", room, message.id, "👍")
    last = w.events.of_type(EventType.REACTIONS)[-1]
    assert last.added is False and last.reactions == ()
    assert "c:" + str(room) in w.mark_changes.changed_timelines


async def test_twenty_distinct_emoji_per_user_and_message() -> None:
    w = world("ann", "bob", "cyd")
    room, message = await _posted(w)
    for i in range(20):
        await w.reactions.react("bob", room, message.id, f":e{i}:")
    with pytest.raises(Conflict) as refused:
        await w.reactions.react("bob", room, message.id, ":e20:")
    assert refused.value.code == "too_many_reactions"
    await w.reactions.react("bob", room, message.id, ":e3:")  # one bob has: fine
    await w.reactions.react("cyd", room, message.id, ":e20:")  # cyd has room


async def test_outsiders_get_404_and_deleted_messages_take_no_reaction() -> None:
    w = world("ann", "bob", "cyd", "eve")
    room, message = await _posted(w)
    with pytest.raises(NotFound):
        await w.reactions.react("eve", room, message.id, "👍")
    with pytest.raises(NotFound):
        await w.reactions.reactors("eve", room, message.id, "👍", 10, None)
    await w.reactions.react("bob", room, message.id, "👍")
    await w.messages.delete("ann", room, message.id)
    with pytest.raises(Conflict) as refused:
        await w.reactions.react("cyd", room, message.id, "👍")
    assert refused.value.code == "message_deleted"
    assert w.reaction_rows.rows == {}  # the delete took its reactions


async def test_who_reacted_pages_by_name() -> None:
    w = world("ann", "bob", "cyd")
    room, message = await _posted(w)
    for name in ("cyd", "ann", "bob"):
        await w.reactions.react(name, room, message.id, "👍")
    names, cursor = await w.reactions.reactors("bob", room, message.id, "👍", 2, None)
    assert names == ["ann", "bob"] and cursor is not None
    names, cursor = await w.reactions.reactors("bob", room, message.id, "👍", 2, cursor)
    assert names == ["cyd"] and cursor is None
    with pytest.raises(InvalidInput):
        await w.reactions.reactors("bob", room, message.id, "👍", 2, "garbage!")


async def test_direct_reactions_are_copied_to_both_participants() -> None:
    w = world("ann", "bob")
    sent = await w.direct_messages.send("ann", "bob", "dm", None)
    await w.reactions.react("bob", sent.conversation_id, sent.id, "👍")
    assert set(w.reaction_rows.copies) == {"ann", "bob"}
    assert {DirectMessagesTimeline.name_of(n) for n in ("ann", "bob")} <= set(
        w.mark_changes.changed_timelines
    )
