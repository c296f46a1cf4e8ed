"""Microbench: microseconds to parse one hot-path request into its typed model, with the
pydantic models the service uses and msgspec Structs that carry the same rules.

    .venv/bin/python -m bench.parse        # needs msgspec: pip install msgspec==0.22.0

Each figure is the best of 5 runs of 20,000 parses of the same input, on the path the API
takes: the JSON body decoded by orjson, the path values merged in, then validated (for
msgspec also its own one-pass decode of a body, `json.decode(type=...)`). Spot figures on
a shared machine: compare the columns, not runs.
"""

from __future__ import annotations

import re
import timeit
import uuid
from collections.abc import Callable
from typing import Annotated, Any, Literal

import msgspec
import orjson

from chat_service.api.schemas.conversations import HistoryQuery, PostMessageRequest
from chat_service.api.schemas.messages import DirectHistoryQuery, SendDirectMessageRequest
from chat_service.domain import validation

NUMBER, REPEAT = 20_000, 5
_USERNAME = re.compile(validation.USERNAME_INPUT)
_TIMEUUID = re.compile(validation.TIMEUUID_INPUT)

Content = Annotated[
    str, msgspec.Meta(min_length=1, max_length=validation.CONTENT_MAX, pattern=validation.NOT_BLANK)
]
ClientMessageId = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Limit = Annotated[int, msgspec.Meta(ge=1, le=validation.LIMIT_MAX)]


def _message_id(value: str | None) -> uuid.UUID | None:
    if value is None:
        return None
    if not _TIMEUUID.fullmatch(value):
        raise ValueError("must be a message id (a TIMEUUID)")
    return uuid.UUID(value)


class SendDirectMessage(msgspec.Struct):
    recipient: str
    content: Content
    client_message_id: ClientMessageId | None = None

    def __post_init__(self) -> None:
        self.recipient = self.recipient.lower()


class AttachmentInput(msgspec.Struct, forbid_unknown_fields=True):
    type: Literal["image", "audio", "video", "file"]
    url: Annotated[str, msgspec.Meta(max_length=validation.URL_MAX, pattern=validation.HTTP_URL)]


class PostMessage(msgspec.Struct):
    conversation_id: uuid.UUID
    attachment: AttachmentInput | None = None
    client_message_id: ClientMessageId | None = None
    content: Annotated[str, msgspec.Meta(max_length=validation.CONTENT_MAX)] | None = None

    def __post_init__(self) -> None:
        if self.content in (None, "") and self.attachment is not None:
            self.content = None
        elif self.content is None or not self.content.strip():
            raise ValueError("content: must not be empty or only whitespace")


class DirectHistory(msgspec.Struct):
    page: Annotated[int, msgspec.Meta(ge=1, le=validation.PAGE_MAX)] = 1
    page_size: Limit | None = None
    page_size_camel: Limit | None = msgspec.field(default=None, name="pageSize")
    limit: Limit | None = None
    before: str | None = None

    def __post_init__(self) -> None:
        _message_id(self.before)


class History(msgspec.Struct):
    conversation_id: uuid.UUID
    limit: Limit = 50
    before: str | None = None
    after: str | None = None
    around: str | None = None

    def __post_init__(self) -> None:
        given = [_message_id(v) for v in (self.before, self.after, self.around) if v]
        if len(given) > 1:
            raise ValueError("before: use at most one of before, after and around")


def _query_ints(query: dict[str, str]) -> dict[str, Any]:
    """msgspec's lax mode takes `+5` and ` 5`; the API takes ASCII digits only."""
    return {k: int(v) if validation.QUERY_INT.fullmatch(v) else v for k, v in query.items()}


def _us(parse: Callable[[], object]) -> float:
    parse()  # raises if the input is refused: the figures are for accepted input
    return min(timeit.repeat(parse, number=NUMBER, repeat=REPEAT)) / NUMBER * 1e6


def main() -> None:
    conversation = {"conversation_id": uuid.uuid4()}
    send = orjson.dumps(
        {
            "recipient": "Bob_The_User",
            "content": "hello, how are you today?",
            "client_message_id": "k-1",
        }
    )
    post = orjson.dumps(
        {
            "content": "the plan for today",
            "attachment": {"type": "image", "url": "https://x.test/a.png"},
        }
    )
    dm_query = {"page": "2", "pageSize": "3"}
    history_query = {"limit": "30", "before": str(uuid.uuid1())}
    send_direct = msgspec.json.Decoder(SendDirectMessage)
    cases: list[tuple[str, Callable[[], object], Callable[[], object]]] = [
        (
            "POST /messages/send body",
            lambda: SendDirectMessageRequest.model_validate(orjson.loads(send)),
            lambda: msgspec.convert(orjson.loads(send), SendDirectMessage),
        ),
        (
            "POST /conversations/{id}/messages body",
            lambda: PostMessageRequest.model_validate({**orjson.loads(post), **conversation}),
            lambda: msgspec.convert({**orjson.loads(post), **conversation}, PostMessage),
        ),
        (
            "GET /messages query",
            lambda: DirectHistoryQuery.model_validate(dm_query),
            lambda: msgspec.convert(_query_ints(dm_query), DirectHistory),
        ),
        (
            "GET /conversations/{id}/messages query",
            lambda: HistoryQuery.model_validate({**history_query, **conversation}),
            lambda: msgspec.convert({**_query_ints(history_query), **conversation}, History),
        ),
    ]
    print(f"{'µs per parse':<42}{'pydantic':>10}{'msgspec':>10}")
    for name, with_pydantic, with_msgspec in cases:
        print(f"{name:<42}{_us(with_pydantic):>10.2f}{_us(with_msgspec):>10.2f}")
    one_pass = _us(lambda: send_direct.decode(send))
    print(f"{'  (msgspec one-pass decode of the body)':<42}{'':>10}{one_pass:>10.2f}")


if __name__ == "__main__":
    main()
