"""Every cursor kind: what `encode` gives `parse` gives back, and garbage is refused with
InvalidInput naming the parameter, never any other error."""

from __future__ import annotations

import base64
import uuid

from hypothesis import given
from hypothesis import strategies as st

from chat_service.domain.cursors import InboxCursor, MessageCursor, UserSearchCursor
from chat_service.domain.errors import InvalidInput
from chat_service.domain.ids import timeuuid_from_ticks

usernames = st.from_regex(r"[a-z0-9][a-z0-9_.\-]{2,31}", fullmatch=True)
timeuuids = st.builds(
    timeuuid_from_ticks,
    st.integers(0, 2**60 - 1),
    st.integers(0, 2**14 - 1),
    st.integers(0, 2**48 - 1),
)
garbage = st.one_of(
    st.text(max_size=80),
    st.binary(max_size=60).map(lambda raw: base64.urlsafe_b64encode(raw).decode()),
    st.text(max_size=60).map(lambda text: base64.urlsafe_b64encode(text.encode()).decode()),
)


@given(st.integers(0, 2**63 - 1), st.uuids())
def test_inbox_cursors_round_trip(activity_ns: int, conversation_id: uuid.UUID) -> None:
    cursor = InboxCursor(activity_ns, conversation_id)
    assert InboxCursor.parse(cursor.encode()) == cursor


@given(usernames)
def test_user_search_cursors_round_trip(username: str) -> None:
    cursor = UserSearchCursor(username)
    assert UserSearchCursor.parse(cursor.encode()) == cursor


@given(timeuuids)
def test_message_cursors_round_trip(message_id: uuid.UUID) -> None:
    assert MessageCursor.parse(MessageCursor.encode(message_id)) == message_id


@given(garbage)
def test_garbage_is_refused_as_invalid_input_only(raw: str) -> None:
    for parse in (InboxCursor.parse, UserSearchCursor.parse, MessageCursor.parse):
        try:
            parse(raw, "cursor")
        except InvalidInput as refused:
            assert set(refused.details) == {"cursor"}


def test_cursors_are_opaque_and_a_kind_refuses_another_kinds() -> None:
    inbox = InboxCursor(1_700_000_000_000_000_000, uuid.uuid4()).encode()
    user = UserSearchCursor("ann").encode()
    assert str(1_700_000_000_000_000_000) not in inbox and "ann" not in user
    for parse, raw in ((InboxCursor.parse, user), (UserSearchCursor.parse, inbox)):
        try:
            parse(raw)
        except InvalidInput as refused:
            assert refused.details == {"cursor": "invalid"}
        else:
            raise AssertionError(f"{raw} was taken for another kind")


def test_a_conversation_list_cursor_from_before_padding_was_dropped_still_parses() -> None:
    conversation_id = uuid.uuid4()
    padded = base64.urlsafe_b64encode(f"123|{conversation_id}".encode()).decode()
    assert InboxCursor.parse(padded) == InboxCursor(123, conversation_id)


def test_a_history_cursor_names_its_parameter() -> None:
    try:
        MessageCursor.parse("not-an-id", "around")
    except InvalidInput as refused:
        assert set(refused.details) == {"around"}
    else:
        raise AssertionError("a malformed message id was taken")
