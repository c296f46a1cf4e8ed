"""Posting, editing and deleting, on fakes: who may delete (the sender, or a group admin),
who may edit, and retry keys (a retried client_message_id returns the stored message)."""

from __future__ import annotations

import pytest

from chat_service.domain.errors import Conflict, Forbidden, RateLimited
from chat_service.domain.events import EventType
from chat_service.domain.models import Attachment
from chat_service.domain.timelines import ConversationTimeline, DirectMessagesTimeline
from tests.unit.fakes.world import World, world


async def _room(w: World, *members: str):
    return (await w.membership.create_group("ann", "Room", list(members), False)).conversation.id


async def test_the_sender_deletes_and_the_text_is_gone_from_every_copy() -> None:
    w = world("ann", "bob")
    sent = await w.direct_messages.send("bob", "ann", "oops", None)
    await w.messages.delete("bob", sent.conversation_id, sent.id)
    for timeline in (
        ConversationTimeline(sent.conversation_id),
        DirectMessagesTimeline("ann"),
        DirectMessagesTimeline("bob"),
    ):
        (copy,) = w.history.newest_first(timeline)
        assert copy.deleted and copy.content is None
    assert [e.message.id for e in w.events.of_type(EventType.MESSAGE_DELETED)] == [sent.id]


async def test_a_group_admin_deletes_anyones_message_a_member_only_their_own() -> None:
    w = world("ann", "bob", "cyd")
    room = await _room(w, "bob", "cyd")
    by_bob = await w.messages.post("bob", room, "from bob", None, None)
    by_ann = await w.messages.post("ann", room, "from ann", None, None)
    with pytest.raises(Forbidden):
        await w.messages.delete("cyd", room, by_bob.id)
    with pytest.raises(Forbidden):
        await w.messages.delete("bob", room, by_ann.id)
    await w.messages.delete("ann", room, by_bob.id)
    assert (await w.reading.message("cyd", room, by_bob.id)).deleted
    assert not (await w.reading.message("cyd", room, by_ann.id)).deleted


async def test_nobody_deletes_the_peers_message_in_a_direct_conversation() -> None:
    w = world("ann", "bob")
    sent = await w.direct_messages.send("bob", "ann", "mine", None)
    with pytest.raises(Forbidden):
        await w.messages.delete("ann", sent.conversation_id, sent.id)


async def test_deleting_twice_changes_nothing_more() -> None:
    w = world("ann")
    room = await _room(w)
    sent = await w.messages.post("ann", room, "x", None, None)
    await w.messages.delete("ann", room, sent.id)
    await w.messages.delete("ann", room, sent.id)
    assert len(w.events.of_type(EventType.MESSAGE_DELETED)) == 1


async def test_only_the_sender_edits_and_never_a_deleted_message() -> None:
    w = world("ann", "bob")
    room = await _room(w, "bob")
    sent = await w.messages.post("bob", room, "draft", None, None)
    with pytest.raises(Forbidden):
        await w.messages.edit("ann", room, sent.id, "admin's words")
    edited = await w.messages.edit("bob", room, sent.id, "final")
    assert edited.content == "final" and edited.edited_at_ns is not None
    assert (await w.reading.message("ann", room, sent.id)).content == "final"
    await w.messages.delete("bob", room, sent.id)
    with pytest.raises(Conflict) as refused:
        await w.messages.edit("bob", room, sent.id, "back again")
    assert refused.value.code == "message_deleted"


async def test_system_events_are_not_editable() -> None:
    w = world("ann", "bob")
    room = await _room(w)
    await w.membership.join("bob", room)
    (joined,) = w.history.newest_first(ConversationTimeline(room))
    with pytest.raises(Forbidden):
        await w.messages.edit("bob", room, joined.id, "hello")


async def test_a_retried_client_message_id_returns_the_stored_message() -> None:
    w = world("ann", "bob")
    room = await _room(w, "bob")
    first = await w.messages.post("ann", room, "once", "key-1", None)
    again = await w.messages.post("ann", room, "once", "key-1", None)
    assert again == first
    assert len(w.history.newest_first(ConversationTimeline(room))) == 1
    assert len(w.events.of_type(EventType.MESSAGE_CREATED)) == 1
    other = await w.messages.post("bob", room, "once", "key-1", None)  # keys are per sender
    assert other.id != first.id


async def test_a_retry_key_used_for_another_conversation_is_409() -> None:
    w = world("ann", "bob")
    room, other = await _room(w), await _room(w)
    await w.messages.post("ann", room, "here", "key-1", None)
    with pytest.raises(Conflict) as refused:
        await w.messages.post("ann", other, "there", "key-1", None)
    assert refused.value.code == "client_message_id_conflict"
    with pytest.raises(Conflict):
        await w.direct_messages.send("ann", "bob", "dm", "key-1")


async def test_a_retried_direct_message_is_stored_once() -> None:
    w = world("ann", "bob")
    first = await w.direct_messages.send("ann", "bob", "hi", "k")
    assert await w.direct_messages.send("ann", "bob", "hi", "k") == first
    page = await w.direct_messages.history("bob", 10, 1, None)
    assert [m.id for m in page.messages] == [first.id] and page.total == 1


async def test_posting_takes_the_send_limit_after_the_access_check() -> None:
    w = world("ann", "bob", "eve")
    room = await _room(w, "bob")
    w.limits.sends_allowed = 1
    await w.messages.post("bob", room, "one", None, None)
    with pytest.raises(RateLimited):
        await w.messages.post("bob", room, "two", None, None)
    assert w.limits.taken == ["bob"]


async def test_an_attachment_may_replace_the_text() -> None:
    w = world("ann")
    room = await _room(w)
    image = Attachment("image", "https://example.com/cat.png")
    posted = await w.messages.post("ann", room, None, None, image)
    assert posted.content is None and posted.attachment == image
