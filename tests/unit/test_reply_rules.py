"""Replies, edit history and mentions on fakes: what may be quoted, what a reply shows, what
an edit keeps and a delete erases, and whose mentions count."""

from __future__ import annotations

import uuid

import pytest

from chat_service.domain.errors import InvalidInput
from chat_service.domain.events import EventType
from chat_service.domain.models import Quote
from tests.unit.fakes.world import World, world


async def _room(w: World, *members: str) -> uuid.UUID:
    return (await w.membership.create_group("ann", "Room", list(members), False)).conversation.id


async def test_a_reply_quotes_the_first_200_characters_and_its_event_too() -> None:
    w = world("ann", "bob")
    room = await _room(w, "bob")
    quoted = await w.messages.post("ann", room, "x" * 300, None, None)
    reply = await w.messages.post("bob", room, "yes", None, None, reply_to=quoted.id)
    assert reply.reply_to == Quote(quoted.id, "ann", "x" * 200, False)
    [created] = [e for e in w.events.of_type(EventType.MESSAGE_CREATED) if e.message.id == reply.id]
    assert created.message.reply_to == reply.reply_to
    assert (await w.reading.message("ann", room, reply.id)).reply_to == reply.reply_to


async def test_only_a_live_message_of_the_same_conversation_is_quoted() -> None:
    w = world("ann", "bob")
    room, other = await _room(w, "bob"), await _room(w, "bob")
    elsewhere = await w.messages.post("ann", other, "elsewhere", None, None)
    gone = await w.messages.post("ann", room, "gone", None, None)
    await w.messages.delete("ann", room, gone.id)
    for reply_to in (elsewhere.id, gone.id, uuid.uuid1()):
        with pytest.raises(InvalidInput) as refused:
            await w.messages.post("bob", room, "re", None, None, reply_to=reply_to)
        assert refused.value.code == "invalid_reply_to"
    with pytest.raises(InvalidInput):
        await w.direct_messages.send("ann", "bob", "re", None, reply_to=elsewhere.id)
    assert "bob" not in w.limits.taken  # a refused reply is not counted


async def test_a_deleted_quote_shows_as_deleted_without_text() -> None:
    w = world("ann", "bob")
    first = await w.direct_messages.send("ann", "bob", "secret", None)
    reply = await w.direct_messages.send("bob", "ann", "re", None, reply_to=first.id)
    await w.messages.delete("ann", first.conversation_id, first.id)
    seen = await w.reading.message("ann", first.conversation_id, reply.id)
    assert seen.reply_to == Quote(first.id, "ann", None, True)


async def test_edits_keep_every_version_and_a_delete_erases_them() -> None:
    w = world("ann", "bob")
    room = await _room(w, "bob")
    sent = await w.messages.post("ann", room, "v0", None, None)
    assert [v.content for v in await w.edit_history.history("bob", room, sent.id)] == ["v0"]
    for text in ("v1", "v2", "v3"):
        await w.messages.edit("ann", room, sent.id, text)
    versions = await w.edit_history.history("bob", room, sent.id)
    assert [v.content for v in versions] == ["v0", "v1", "v2", "v3"]
    assert [v.edited_at_ns for v in versions] == sorted(v.edited_at_ns for v in versions)
    await w.messages.delete("ann", room, sent.id)
    assert await w.edit_history.history("bob", room, sent.id) == []


async def test_mentions_follow_edits_and_count_while_unread() -> None:
    w = world("ann", "bob", "cyd")
    room = await _room(w, "bob")
    sent = await w.messages.post("ann", room, "@bob @cyd @ann look", None, None)
    assert sent.mentions == ("bob", "ann")  # cyd is no member
    [item] = (await w.inbox.list("bob", 10, None, ""))[0]
    assert (item.unread_count, item.mention_count) == (1, 1)
    assert [m.id for m in (await w.mentions.mentions("bob", None, 10)).messages] == [sent.id]
    assert (await w.mentions.mentions("ann", None, 10)).messages == []  # not by oneself
    edited = await w.messages.edit("ann", room, sent.id, "never mind")
    assert edited.mentions == ()
    assert (await w.mentions.mentions("bob", None, 10)).messages == []
    [item] = (await w.inbox.list("bob", 10, None, ""))[0]
    assert (item.unread_count, item.mention_count) == (1, 0)


async def test_my_mentions_page_newest_first_and_skip_left_conversations() -> None:
    w = world("ann", "bob")
    room, other = await _room(w, "bob"), await _room(w, "bob")
    sent = [await w.messages.post("ann", room, f"@bob {i}", None, None) for i in range(3)]
    await w.messages.post("ann", other, "@bob elsewhere", None, None)
    await w.membership.remove_member("bob", other, "bob")
    first = await w.mentions.mentions("bob", None, 2)
    assert first.next_cursor is not None
    rest = await w.mentions.mentions("bob", first.next_cursor, 2)
    shown = [m.id for m in [*first.messages, *rest.messages]]
    assert shown == [m.id for m in reversed(sent)] and rest.next_cursor is None
