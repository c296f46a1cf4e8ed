"""Search rules on fakes: what a send, an edit and a delete do to the index, in which
scopes, with which write times; members only; paging; candidates checked against the
message's current text."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from chat_service.domain.errors import NotFound
from chat_service.domain.ids import TimeUuidFactory
from chat_service.domain.models import Message
from chat_service.domain.search import SearchQuery, parse_query
from chat_service.services.search import SearchIndexing
from tests.unit.fakes.search import FakeHits, FakeTermIndex
from tests.unit.fakes.world import World, world


async def _room(w: World, *members: str) -> uuid.UUID:
    return (await w.membership.create_group("ann", "Room", list(members), False)).conversation.id


def _contents(messages: list[Message]) -> list[str | None]:
    return [m.content for m in messages]


async def test_a_group_message_is_indexed_in_its_conversation_only() -> None:
    w = world("ann")
    room = await _room(w)
    sent = await w.messages.post("ann", room, "Deploying tonight", None, None)
    assert w.search_index.terms_of(f"c:{room}", sent.id) == {"deploying", "tonight"}
    assert {scope for scope, _, i in w.search_index.rows if i == sent.id} == {f"c:{room}"}


async def test_a_direct_message_is_indexed_for_its_conversation_and_both_people() -> None:
    w = world("ann", "bob")
    sent = await w.direct_messages.send("ann", "bob", "lunch plans", None)
    scopes = {scope for scope, _, i in w.search_index.rows if i == sent.id}
    assert scopes == {f"c:{sent.conversation_id}", "u:ann", "u:bob"}
    for person in ("ann", "bob"):
        page = await w.search.in_direct_messages(person, parse_query("lunch"), None, 20)
        assert _contents(page.messages) == ["lunch plans"]


async def test_an_edit_swaps_the_rows_of_the_words_it_changed() -> None:
    w = world("ann")
    room = await _room(w)
    sent = await w.messages.post("ann", room, "red green", None, None)
    await w.messages.edit("ann", room, sent.id, "green blue")
    assert w.search_index.terms_of(f"c:{room}", sent.id) == {"green", "blue"}
    for q, found in (("red", []), ("blue", ["green blue"]), ("green", ["green blue"])):
        page = await w.search.in_conversation("ann", room, parse_query(q), None, 20)
        assert _contents(page.messages) == found, q


async def test_a_delete_removes_every_row_of_the_message() -> None:
    w = world("ann", "bob")
    sent = await w.direct_messages.send("ann", "bob", "secret plans", None)
    await w.messages.delete("ann", sent.conversation_id, sent.id)
    assert not any(i == sent.id for _, _, i in w.search_index.rows)
    page = await w.search.in_direct_messages("bob", parse_query("secret"), None, 20)
    assert page.messages == []


async def test_a_late_reindex_loses_to_an_earlier_delete() -> None:
    """An edit's rows reaching the index after the delete's removal (they are written at
    the edit's earlier time) stay removed."""
    sent_ns = 1_800_000_000 * 10**9
    index = FakeTermIndex()
    indexing = SearchIndexing(index, clock_ns=lambda: sent_ns + 2_000_000)  # deleted at +2 ms
    message = Message(TimeUuidFactory().new(sent_ns), uuid.uuid4(), "ann", None, "old words")
    edited = replace(message, content="new words", edited_at_ns=sent_ns + 1_000_000)
    await indexing.indexed(message)
    await indexing.removed(edited)  # the delete read the edited text
    await indexing.reindexed(message, edited)  # then the edit's own rows arrive
    assert index.rows == {}  # "new" was added at +1 ms, behind its removal at +2 ms


async def test_member_events_are_not_indexed() -> None:
    w = world("ann", "bob")
    room = await _room(w)
    await w.membership.add_member("ann", room, "bob")
    assert w.search_index.rows.keys() == set()


async def test_only_members_search_a_conversation() -> None:
    w = world("ann", "bob")
    room = await _room(w)
    await w.messages.post("ann", room, "plans", None, None)
    with pytest.raises(NotFound):
        await w.search.in_conversation("bob", room, parse_query("plans"), None, 20)


async def test_pages_follow_the_cursor_without_repeats() -> None:
    w = world("ann")
    room = await _room(w)
    sent = [await w.messages.post("ann", room, f"note {n}", None, None) for n in range(5)]
    seen, cursor = [], None
    for _ in range(5):
        page = await w.search.in_conversation("ann", room, parse_query("note"), cursor, 2)
        seen += [m.id for m in page.messages]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [m.id for m in reversed(sent)]


async def test_a_stale_row_does_not_answer_for_text_the_message_no_longer_has() -> None:
    w = world("ann")
    room = await _room(w)
    sent = await w.messages.post("ann", room, "alpha", None, None)
    await w.messages.edit("ann", room, sent.id, "beta")
    await w.search_index.add([f"c:{room}"], sent.id, ["alpha"], 10**18)  # left by a race
    page = await w.search.in_conversation("ann", room, parse_query("alpha"), None, 20)
    assert page.messages == []


async def _searching(texts: list[str]) -> tuple[World, uuid.UUID, list[Message]]:
    """A room with `texts` sent in it, and its messages newest first."""
    w = world("ann")
    room = await _room(w)
    sent = [await w.messages.post("ann", room, text, None, None) for text in texts]
    return w, room, sent[::-1]


def _index_answers(w: World, ids: list[uuid.UUID], floor: uuid.UUID | None) -> None:
    """The index answers these candidates whatever it is asked (rows left by races)."""

    async def find(scope: str, query: SearchQuery, before: object, wanted: int) -> FakeHits:
        return FakeHits(ids, floor)

    w.search_index.find = find  # type: ignore[method-assign]


async def test_more_candidates_than_a_page_hand_on_the_last_message_answered() -> None:
    w, room, newest_first = await _searching([f"pin {n}" for n in range(6)])
    _index_answers(w, [m.id for m in newest_first], None)
    page = await w.search.in_conversation("ann", room, parse_query("pin"), None, 2)
    assert page.messages == newest_first[:2]
    assert page.next_cursor == newest_first[1].id


async def test_candidates_that_no_longer_match_leave_a_short_page_and_paging_goes_on() -> None:
    w, room, newest_first = await _searching(["pin a", "other", "other", "pin b"])
    _index_answers(w, [m.id for m in newest_first], None)  # two stale candidates
    page = await w.search.in_conversation("ann", room, parse_query("pin"), None, 2)
    assert [m.content for m in page.messages] == ["pin b"]
    assert page.next_cursor == newest_first[2].id  # the last candidate read
    floor = uuid.uuid1()
    _index_answers(w, [newest_first[3].id], floor)
    page = await w.search.in_conversation("ann", room, parse_query("pin"), page.next_cursor, 2)
    assert [m.content for m in page.messages] == ["pin a"]
    assert page.next_cursor == floor  # where the index goes on from
