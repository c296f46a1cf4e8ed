"""The timeline read API on fakes of Redis and Cassandra: when the cache answers, when
Cassandra must, and that every way of paging covers the history exactly once."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from chat_service.domain.errors import NotFound
from chat_service.domain.events import Event, EventType
from chat_service.domain.ids import NS_PER_DAY, TimeUuidFactory
from chat_service.domain.models import Message, Quote
from chat_service.domain.timelines import ConversationTimeline, Direction, DirectMessagesTimeline
from chat_service.infra.caches import CacheRegistry
from chat_service.repos.cache.events import BusDown, BusUp
from chat_service.repos.marks_memory import MarksMemory
from chat_service.repos.timeline_pages import TimelinePages
from tests.unit.fakes.pages import FakeHistoryStore, FakePageCache

ROOM = uuid.uuid4()
START_NS = 1_800_000_000 * 10**9
_ids = TimeUuidFactory()


def _history(count: int, per_day: int = 7) -> list[Message]:
    """`count` messages, oldest first, `per_day` in each day bucket."""
    return [
        Message(
            id=_ids.new(START_NS + (i // per_day) * NS_PER_DAY + i * 1000),
            conversation_id=ROOM,
            sender="ann" if i % 2 else "bob",
            recipient=None,
            content=f"m{i}",
        )
        for i in range(count)
    ]


def _setup(messages: list[Message], max_len: int = 500, cached: bool = True):
    cache, store, users = FakePageCache(max_len), FakeHistoryStore(), FakeHistoryStore()
    store.hold(ROOM, messages)
    users.hold("ann", messages)
    if cached:
        cache.hold(ConversationTimeline.name_of(ROOM), messages[::-1])
        cache.hold(DirectMessagesTimeline.name_of("ann"), messages[::-1])
    return TimelinePages(cache, store, users), cache, store, users  # type: ignore[arg-type]


def _ids_of(messages: list[Message]) -> list[uuid.UUID]:
    return [m.id for m in messages]


async def test_a_cached_first_page_is_the_caches_own_list_and_reads_no_cassandra() -> None:
    messages = _history(20)
    pages, _, store, _ = _setup(messages)
    page = await pages.page(ConversationTimeline(ROOM), None, Direction.BEFORE, 5)
    assert _ids_of(page.messages) == _ids_of(messages[::-1][:5])
    assert page.next_cursor == messages[-5].id
    assert type(page.messages).__name__ == "SharedMessages"
    assert sum(store.reads.values()) == 0


async def test_an_absent_timeline_is_filled_then_served_from_the_cache() -> None:
    messages = _history(12)
    pages, cache, store, _ = _setup(messages, cached=False)
    page = await pages.page(ConversationTimeline(ROOM), None, Direction.BEFORE, 50)
    assert _ids_of(page.messages) == _ids_of(messages[::-1]) and page.next_cursor is None
    assert cache.fills == 1 and store.reads["newest"] == 1  # the fill's read only


async def test_a_full_cache_answers_the_pages_it_holds_whole() -> None:
    messages = _history(20)
    pages, _, store, _ = _setup(messages, max_len=5)
    timeline = ConversationTimeline(ROOM)
    first = await pages.page(timeline, None, Direction.BEFORE, 3)
    newer = await pages.page(timeline, messages[16].id, Direction.AFTER, 2)
    assert _ids_of(first.messages) == _ids_of(messages[17:][::-1])
    assert _ids_of(newer.messages) == _ids_of(messages[17:19][::-1])
    assert sum(store.reads.values()) == 0
    deeper = await pages.page(timeline, messages[17].id, Direction.BEFORE, 3)
    assert _ids_of(deeper.messages) == _ids_of(messages[14:17][::-1])
    assert store.reads["newest"] == 1  # runs past what the cache holds: Cassandra


@pytest.mark.parametrize("max_len", [5, 500])
@pytest.mark.parametrize("limit", [1, 4, 7])
async def test_before_pages_cover_the_history_exactly(max_len: int, limit: int) -> None:
    messages = _history(30)
    pages, _, store, _ = _setup(messages, max_len=max_len)
    seen, cursor = [], None
    while True:
        page = await pages.page(ConversationTimeline(ROOM), cursor, Direction.BEFORE, limit)
        seen += _ids_of(page.messages)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == _ids_of(messages[::-1])
    assert (store.reads["newest"] > 0) == (max_len < 30)  # past a full cache: Cassandra


@pytest.mark.parametrize("max_len", [5, 500])
async def test_after_pages_catch_up_exactly_newest_first(max_len: int) -> None:
    messages = _history(20)
    pages, _, store, _ = _setup(messages, max_len=max_len)
    seen, cursor = [], messages[2].id
    while cursor is not None:
        page = await pages.page(ConversationTimeline(ROOM), cursor, Direction.AFTER, 4)
        oldest_first = page.messages[::-1]
        seen += _ids_of(oldest_first)
        cursor = page.next_cursor
        assert cursor is None or cursor == oldest_first[-1].id  # the page's newest
    assert seen == _ids_of(messages[3:])
    assert (store.reads["oldest_after"] > 0) == (max_len == 5)


async def test_around_answers_both_sides_of_the_anchor() -> None:
    messages = _history(20)
    pages, _, _, _ = _setup(messages)
    page = await pages.page(ConversationTimeline(ROOM), messages[10].id, Direction.AROUND, 5)
    assert _ids_of(page.messages) == _ids_of(messages[8:13][::-1])
    assert page.next_cursor == messages[8].id
    with pytest.raises(NotFound):
        await pages.page(ConversationTimeline(ROOM), _ids.new(), Direction.AROUND, 5)


@pytest.mark.parametrize("max_len", [5, 500])
async def test_numbered_pages_cover_the_history_with_its_total(max_len: int) -> None:
    messages = _history(45)
    pages, _, _, users = _setup(messages, max_len=max_len)
    timeline = DirectMessagesTimeline("ann")
    seen = []
    for number in range(1, 7):
        page = await pages.numbered_page(timeline, number, 8)
        assert page.total == 45 and page.page == number and page.page_size == 8
        seen += _ids_of(page.messages)
    assert seen == _ids_of(messages[::-1])
    by_cursor = await pages.numbered_page(timeline, messages[20].id, 8)
    assert by_cursor.page is None and by_cursor.total == 45
    assert _ids_of(by_cursor.messages) == _ids_of(messages[12:20][::-1])
    assert by_cursor.next_cursor == messages[12].id
    assert (users.reads["id_at"] > 0) == (max_len == 5)  # deep pages: by the tallies


async def test_a_remembered_total_spares_the_tallies() -> None:
    messages = _history(10)
    pages, cache, _, users = _setup(messages)
    timeline = DirectMessagesTimeline("ann")
    first = await pages.numbered_page(timeline, 1, 5)
    counted = users.reads["tallies"]
    again = await pages.numbered_page(timeline, 1, 5)
    assert (
        first.total == again.total == 10
        and cache.totals[DirectMessagesTimeline.name_of("ann")] == 10
    )
    assert counted == 1 and users.reads["tallies"] == 1


async def test_unread_counts_cost_nothing_when_the_marker_is_at_the_last_message() -> None:
    messages = _history(10)
    pages, _, store, _ = _setup(messages)
    timeline = ConversationTimeline(ROOM)
    newest = messages[-1].id
    assert await pages.count_unread(timeline, newest, newest, "ann", 1000) == (0, 0)
    assert store.reads["count_unread"] == 0
    assert (await pages.count_unread(timeline, messages[5].id, newest, "ann", 1000)).messages == 2
    assert (await pages.count_unread(timeline, None, newest, "ann", 3)).messages == 3


async def test_replies_are_quoted_from_the_page_or_by_one_read() -> None:
    messages = _history(20)
    near, far = messages[18].id, messages[2].id
    messages[19] = replace(messages[19], reply_to_id=near)
    messages[17] = replace(messages[17], reply_to_id=far)
    messages[16] = replace(messages[16], reply_to_id=far)
    pages, _, store, _ = _setup(messages)
    page = await pages.page(ConversationTimeline(ROOM), None, Direction.BEFORE, 5)
    quotes = [m.reply_to for m in page.messages]
    assert quotes[0] is not None and (quotes[0].id, quotes[0].content) == (near, "m18")
    assert quotes[2] is not None and (quotes[2].id, quotes[2].content) == (far, "m2")
    assert quotes[3] == quotes[2] and quotes[1] is None and quotes[4] is None
    assert store.reads["quoted"] == 1  # only `far` is not on the page, read once
    first_two = await pages.page(ConversationTimeline(ROOM), None, Direction.BEFORE, 2)
    assert first_two.messages[0].reply_to == quotes[0] and store.reads["quoted"] == 1


async def test_a_cached_page_quoting_only_itself_is_resolved_once() -> None:
    messages = _history(10)
    messages[9] = replace(messages[9], reply_to_id=messages[8].id)
    pages, _, store, _ = _setup(messages)
    first = await pages.page(ConversationTimeline(ROOM), None, Direction.BEFORE, 5)
    again = await pages.page(ConversationTimeline(ROOM), None, Direction.BEFORE, 5)
    assert first.messages[0].reply_to is not None
    assert first.messages[0].reply_to.content == "m8"
    assert type(again.messages).__name__ == "SharedMessages"
    assert store.reads["quoted"] == 0


def _remembering(messages: list[Message], now: list[float]):
    """Pages whose quotes outside the page are remembered (the marks memory), bus up."""
    _, cache, store, users = _setup(messages)
    memory = MarksMemory(CacheRegistry().fifo("marks", 100), 30.0, lambda: now[0])
    memory.hear(BusUp())
    pages = TimelinePages(cache, store, users, quotes=memory)  # type: ignore[arg-type]
    return pages, memory, store


async def _far_quote(pages: TimelinePages) -> Quote | None:
    page = await pages.page(ConversationTimeline(ROOM), None, Direction.BEFORE, 5)
    return page.messages[0].reply_to


async def test_quotes_outside_the_page_are_read_once_until_an_edit_or_delete() -> None:
    messages, now = _history(20), [0.0]
    far = messages[2]
    messages[19] = replace(messages[19], reply_to_id=far.id)
    pages, memory, store = _remembering(messages, now)
    assert (await _far_quote(pages)) == Quote.of(far)
    assert (await _far_quote(pages)) == Quote.of(far) and store.reads["quoted"] == 1
    edited = replace(far, content="changed", edited_at_ns=1)
    store.hold(ROOM, [edited if m.id == far.id else m for m in messages])
    memory.hear(Event(EventType.MESSAGE_UPDATED, ("ann", "bob", "cyd"), ROOM, message=edited))
    assert (await _far_quote(pages)) == Quote.of(edited) and store.reads["quoted"] == 2
    gone = replace(edited, content=None, deleted=True)
    store.hold(ROOM, [gone if m.id == far.id else m for m in messages])
    memory.changed([ConversationTimeline.name_of(ROOM)])  # deleted by this process
    quote = await _far_quote(pages)
    assert quote is not None and quote.deleted and quote.content is None
    now[0] = 31.0  # past the memory's age: read again
    await _far_quote(pages)
    assert store.reads["quoted"] == 4


async def test_quotes_are_not_remembered_while_the_bus_is_down() -> None:
    messages = _history(20)
    messages[19] = replace(messages[19], reply_to_id=messages[2].id)
    pages, memory, store = _remembering(messages, [0.0])
    memory.hear(BusDown())
    await _far_quote(pages)
    await _far_quote(pages)
    assert store.reads["quoted"] == 2
