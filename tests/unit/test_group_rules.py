"""Group roles and creator protection, on fakes: who may add, remove and promote."""

from __future__ import annotations

import pytest

from chat_service.domain.errors import Conflict, Forbidden, NotFound
from chat_service.domain.events import EventType
from chat_service.domain.models import ConversationType, MessageKind, Role
from chat_service.domain.timelines import ConversationTimeline
from tests.unit.fakes.world import World, world


async def _group(w: World, *members: str, private: bool = False):
    detail = await w.membership.create_group("ann", "Room", list(members), private)
    return detail.conversation.id


async def test_the_creator_is_admin_and_everyone_else_a_member() -> None:
    w = world("ann", "bob", "cyd")
    detail = await w.membership.create_group("ann", "Room", ["bob", "cyd", "ann", "bob"], False)
    roles = {m.username: m.role for m in detail.members}
    assert roles == {"ann": Role.ADMIN, "bob": Role.MEMBER, "cyd": Role.MEMBER}
    assert detail.conversation.type is ConversationType.GROUP


async def test_a_group_with_unknown_members_is_refused_naming_them() -> None:
    w = world("ann", "bob")
    with pytest.raises(NotFound) as refused:
        await w.membership.create_group("ann", "Room", ["bob", "ghost"], False)
    assert refused.value.details == {"members": ["ghost"]}
    assert w.conversations.conversations == {}


async def test_only_admins_add_members() -> None:
    w = world("ann", "bob", "cyd")
    room = await _group(w, "bob")
    with pytest.raises(Forbidden):
        await w.membership.add_member("bob", room, "cyd")
    added = await w.membership.add_member("ann", room, "cyd")
    assert added.role is Role.MEMBER
    with pytest.raises(Conflict):
        await w.membership.add_member("ann", room, "cyd")
    joined = w.events.of_type(EventType.MEMBER_JOINED)
    assert [e.username for e in joined] == ["cyd"] and "cyd" in joined[0].recipients
    history = w.history.newest_first(ConversationTimeline(room))
    assert [(m.kind, m.sender) for m in history] == [(MessageKind.MEMBER_JOINED, "cyd")]


async def test_adding_an_unknown_user_is_404() -> None:
    w = world("ann")
    room = await _group(w)
    with pytest.raises(NotFound) as refused:
        await w.membership.add_member("ann", room, "ghost")
    assert refused.value.code == "user_not_found"


async def test_only_admins_promote_and_a_promoted_member_may_manage() -> None:
    w = world("ann", "bob", "cyd")
    room = await _group(w, "bob", "cyd")
    with pytest.raises(Forbidden):
        await w.membership.set_role("bob", room, "cyd", Role.ADMIN)
    promoted = await w.membership.set_role("ann", room, "BOB", Role.ADMIN)
    assert promoted.role is Role.ADMIN
    await w.membership.remove_member("bob", room, "cyd")
    assert await w.conversations.member(room, "cyd") is None


async def test_nobody_but_the_creator_demotes_or_removes_the_creator() -> None:
    w = world("ann", "bob")
    room = await _group(w, "bob")
    await w.membership.set_role("ann", room, "bob", Role.ADMIN)
    with pytest.raises(Forbidden):
        await w.membership.set_role("bob", room, "ann", Role.MEMBER)
    with pytest.raises(Forbidden):
        await w.membership.remove_member("bob", room, "ann")
    assert (await w.conversations.member(room, "ann")).role is Role.ADMIN
    await w.membership.remove_member("ann", room, "ann")  # the creator may leave
    assert await w.conversations.member(room, "ann") is None


async def test_members_leave_but_do_not_remove_others() -> None:
    w = world("ann", "bob", "cyd")
    room = await _group(w, "bob", "cyd")
    with pytest.raises(Forbidden):
        await w.membership.remove_member("bob", room, "cyd")
    await w.membership.remove_member("bob", room, "bob")
    left = w.events.of_type(EventType.MEMBER_LEFT)
    assert [e.username for e in left] == ["bob"] and "bob" in left[0].recipients
    with pytest.raises(NotFound):
        await w.reading.history("bob", room, 10)


async def test_direct_conversations_have_no_members_to_manage() -> None:
    w = world("ann", "bob", "cyd")
    sent = await w.direct_messages.send("ann", "bob", "hi", None)
    direct = sent.conversation_id
    with pytest.raises(Forbidden):
        await w.membership.add_member("ann", direct, "cyd")
    with pytest.raises(Forbidden):
        await w.membership.set_role("ann", direct, "bob", Role.ADMIN)
    with pytest.raises(Forbidden):
        await w.membership.remove_member("ann", direct, "ann")
    with pytest.raises(Forbidden):
        await w.membership.join("cyd", direct)


async def test_public_groups_are_joined_private_ones_are_not() -> None:
    w = world("ann", "bob")
    public, private = await _group(w), await _group(w, private=True)
    await w.membership.join("bob", public)
    await w.membership.join("bob", public)  # already in: nothing happens
    assert len(w.events.of_type(EventType.MEMBER_JOINED)) == 1
    with pytest.raises(Forbidden):
        await w.membership.join("bob", private)
