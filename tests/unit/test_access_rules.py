"""Non-members see nothing: every conversation call answers 404, exactly as for a
conversation that does not exist."""

from __future__ import annotations

import uuid

import pytest

from chat_service.domain.errors import NotFound
from tests.unit.fakes.world import world


async def test_every_call_of_a_non_member_is_404_like_a_missing_conversation() -> None:
    w = world("ann", "bob", "eve")
    room = (await w.membership.create_group("ann", "Room", ["bob"], True)).conversation.id
    posted = await w.messages.post("ann", room, "hi", None, None)
    calls = [
        lambda c: w.membership.detail("eve", c),
        lambda c: w.membership.add_member("eve", c, "bob"),
        lambda c: w.membership.set_role("eve", c, "bob", "admin"),
        lambda c: w.membership.remove_member("eve", c, "bob"),
        lambda c: w.reading.history("eve", c, 10),
        lambda c: w.reading.message("eve", c, posted.id),
        lambda c: w.messages.post("eve", c, "hello", None, None),
        lambda c: w.messages.edit("eve", c, posted.id, "mine now"),
        lambda c: w.messages.delete("eve", c, posted.id),
        lambda c: w.read_markers.mark_read("eve", c, str(posted.id)),
    ]
    for call in calls:
        for conversation in (room, uuid.uuid4()):
            with pytest.raises(NotFound) as refused:
                await call(conversation)
            assert refused.value.code == "not_found"
    assert (await w.reading.message("bob", room, posted.id)).content == "hi"


async def test_a_message_of_another_conversation_is_not_found_here() -> None:
    w = world("ann", "bob")
    room = (await w.membership.create_group("ann", "Room", [], False)).conversation.id
    other = (await w.membership.create_group("ann", "Other", [], False)).conversation.id
    elsewhere = await w.messages.post("ann", other, "there", None, None)
    with pytest.raises(NotFound) as refused:
        await w.reading.message("ann", room, elsewhere.id)
    assert refused.value.code == "message_not_found"
