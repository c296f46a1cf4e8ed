import uuid
from dataclasses import replace

import orjson

from chat_service.api import render
from chat_service.domain.events import Event, EventType
from chat_service.domain.ids import TimeUuidFactory
from chat_service.domain.models import (
    Message,
    MessageMarks,
    PageMarks,
    Quote,
    ReactionCount,
    SharedMessages,
)
from chat_service.infra.caches import CacheRegistry
from chat_service.repos.cache.events import decode_event, decode_known, encode_event

IDS = TimeUuidFactory()


def _message(content: str = "hello") -> Message:
    return Message(id=IDS.new(), conversation_id=uuid.uuid4(), sender="ann", recipient=None,
                   content=content)  # fmt: skip


def _renderer(max_entries: int = 100) -> render.MessageRenderer:
    return render.MessageRenderer(CacheRegistry().fifo("rendered_messages", max_entries))


def _page(memo: render.MessageRenderer, messages: list[Message]) -> list[dict]:
    return orjson.loads(orjson.dumps([memo.message_json(m) for m in messages]))


def test_memoised_json_is_the_contract_rendering() -> None:
    memo = _renderer()
    messages = [_message(), _message("second")]
    assert _page(memo, messages) == [render.message(m) for m in messages]
    assert _page(memo, messages) == [render.message(m) for m in messages]  # from the memo


def test_an_edit_or_a_delete_is_rendered_afresh() -> None:
    memo = _renderer()
    original = _message("before")
    memo.message_json(original)
    edited = replace(original, content="after", edited_at_ns=original.id.time * 100 + 5)
    deleted = replace(edited, content=None, deleted=True)
    assert _page(memo, [edited])[0]["content"] == "after"
    assert _page(memo, [deleted])[0]["content"] is None
    assert _page(memo, [deleted])[0]["deleted"] is True


def test_the_memo_stays_bounded_and_still_answers_evicted_messages() -> None:
    rendered = CacheRegistry().fifo("rendered_messages", 3)
    memo = render.MessageRenderer(rendered)
    messages = [_message(str(n)) for n in range(10)]
    assert _page(memo, messages) == [render.message(m) for m in messages]
    assert (len(rendered), rendered.evictions) == (3, 7)
    assert _page(memo, messages[:1]) == [render.message(messages[0])]


def test_messages_render_as_one_array() -> None:
    messages = [_message(), _message("second")]
    for page in (messages, SharedMessages(messages)):
        assert orjson.loads(orjson.dumps(_renderer().messages_json(page))) == [
            render.message(m) for m in messages
        ]
    assert orjson.loads(orjson.dumps(_renderer().messages_json([]))) == []


def test_a_shared_page_keeps_its_array_and_a_new_page_gets_its_own() -> None:
    renderer = _renderer()
    original = _message("before")
    shared = SharedMessages([original])
    first = renderer.messages_json(shared)
    edited = replace(original, content="after", edited_at_ns=original.id.time * 100 + 5)

    again = renderer.messages_json(shared)
    refreshed = renderer.messages_json(SharedMessages([edited]))

    assert again is first
    assert orjson.loads(orjson.dumps(refreshed))[0]["content"] == "after"


def test_a_page_with_marks_renders_them_for_its_reader_and_leaves_the_shared_page_alone() -> None:
    memo = _renderer()
    liked, plain = _message("liked"), _message("plain")
    shared = SharedMessages([liked, plain])
    before = orjson.loads(orjson.dumps(memo.messages_json(shared)))
    marks = PageMarks()
    marks[liked.id.int] = MessageMarks((ReactionCount("👍", 2, True),), pinned=True)
    page = orjson.loads(orjson.dumps(memo.messages_json(shared, marks)))
    assert page[0]["reactions"] == [{"emoji": "👍", "count": 2, "me": True}]
    assert page[0]["pinned"] is True
    assert page[1] == before[1] == render.message(plain)
    assert before[0]["reactions"] == [] and before[0]["pinned"] is False
    assert orjson.loads(orjson.dumps(memo.messages_json(shared))) == before  # memo intact


def test_a_reply_is_rendered_afresh_when_its_quote_changes() -> None:
    memo = _renderer()
    quoted = _message("the question")
    reply = replace(_message("yes"), reply_to_id=quoted.id, reply_to=Quote.of(quoted))
    assert _page(memo, [reply])[0]["reply_to"] == {
        "id": str(quoted.id), "sender": "ann", "content": "the question", "deleted": False,
    }  # fmt: skip
    gone = replace(reply, reply_to=Quote.of(replace(quoted, content=None, deleted=True)))
    assert _page(memo, [gone])[0]["reply_to"]["content"] is None
    assert _page(memo, [gone])[0]["reply_to"]["deleted"] is True
    assert _page(memo, [replace(gone, deleted=True)])[0]["reply_to"] is None


def test_events_carry_the_quote_across_the_bus() -> None:
    quoted = _message("q" * 300)
    reply = replace(_message("yes @bob"), reply_to_id=quoted.id, reply_to=Quote.of(quoted),
                    mentions=("bob",))  # fmt: skip
    event = Event(EventType.MESSAGE_CREATED, ("ann", "bob"), reply.conversation_id, message=reply)
    heard = decode_event(encode_event(event))
    assert heard.message == reply and heard.message.reply_to.content == "q" * 200


def test_an_event_this_version_cannot_read_is_skipped() -> None:
    unknown = orjson.dumps({"t": "message.reactions", "r": ["ann"], "c": str(uuid.uuid4())})
    assert decode_known(unknown) is None and decode_known(b"not json") is None
    event = Event(EventType.READ, ("ann",), uuid.uuid4(), username="ann", message_id=IDS.new())
    assert decode_known(encode_event(event)) == event
