import uuid
from dataclasses import replace

import orjson

from chat_service.api import render
from chat_service.domain.ids import TimeUuidFactory
from chat_service.domain.models import Message

IDS = TimeUuidFactory()


def _message(content: str = "hello") -> Message:
    return Message(id=IDS.new(), conversation_id=uuid.uuid4(), sender="ann", recipient=None,
                   content=content)  # fmt: skip


def _page(memo: render.MessageJson, messages: list[Message]) -> list[dict]:
    return orjson.loads(orjson.dumps([memo(m) for m in messages]))


def test_memoised_json_is_the_contract_rendering() -> None:
    memo = render.MessageJson()
    messages = [_message(), _message("second")]
    assert _page(memo, messages) == [render.message(m) for m in messages]
    assert _page(memo, messages) == [render.message(m) for m in messages]  # from the memo


def test_an_edit_or_a_delete_is_rendered_afresh() -> None:
    memo = render.MessageJson()
    original = _message("before")
    memo(original)
    edited = replace(original, content="after", edited_at_ns=original.id.time * 100 + 5)
    deleted = replace(edited, content=None, deleted=True)
    assert _page(memo, [edited])[0]["content"] == "after"
    assert _page(memo, [deleted])[0]["content"] is None
    assert _page(memo, [deleted])[0]["deleted"] is True


def test_the_memo_stays_bounded_and_still_answers_evicted_messages() -> None:
    memo = render.MessageJson(max_entries=3)
    messages = [_message(str(n)) for n in range(10)]
    assert _page(memo, messages) == [render.message(m) for m in messages]
    assert len(memo._rendered) == 3
    assert _page(memo, messages[:1]) == [render.message(messages[0])]


def test_a_page_renders_as_the_array_of_its_messages() -> None:
    pages = render.PageJson(render.MessageJson())
    messages = [_message(), _message("second")]
    assert orjson.loads(orjson.dumps(pages(messages))) == [render.message(m) for m in messages]
    assert orjson.loads(orjson.dumps(pages([]))) == []


def test_the_same_messages_reuse_the_array_and_others_do_not() -> None:
    pages = render.PageJson(render.MessageJson())
    messages = [_message(), _message("second")]
    first = pages(messages)

    again = pages(list(messages))  # a new list of the same objects, as a slice would be
    change = replace(messages[1], content="changed", edited_at_ns=messages[1].id.time * 100 + 5)
    edited = pages([messages[0], change])

    assert again is first
    assert edited is not first
    assert orjson.loads(orjson.dumps(edited))[1]["content"] == "changed"


def test_the_page_memo_stays_bounded() -> None:
    pages = render.PageJson(render.MessageJson(), max_entries=2)
    kept = [[_message()] for _ in range(5)]
    arrays = [pages(page) for page in kept]
    assert len(pages._rendered) == 2
    assert orjson.loads(orjson.dumps(pages(kept[0]))) == orjson.loads(orjson.dumps(arrays[0]))
