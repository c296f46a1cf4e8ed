"""A group never stays without an admin, on fakes: the longest-standing other member
becomes admin when the last admin leaves, is removed or is demoted."""

from __future__ import annotations

from chat_service.domain.models import Role
from tests.unit.fakes.world import World, world


def _roles(w: World, room) -> dict[str, Role]:
    return {name: m.role for name, m in w.conversations.rosters[room].items()}


async def test_the_longest_standing_member_takes_over() -> None:
    w = world("ann", "bob", "cyd", "dan")
    room = (await w.membership.create_group("ann", "Room", ["cyd"], False)).conversation.id
    await w.membership.add_member("ann", room, "bob")  # joins later than cyd
    await w.membership.remove_member("ann", room, "ann")
    assert _roles(w, room) == {"cyd": Role.ADMIN, "bob": Role.MEMBER}
    await w.membership.set_role("cyd", room, "cyd", Role.MEMBER)
    assert _roles(w, room) == {"cyd": Role.MEMBER, "bob": Role.ADMIN}


async def test_no_promotion_while_another_admin_stays() -> None:
    w = world("ann", "bob", "cyd")
    room = (await w.membership.create_group("ann", "Room", ["bob", "cyd"], False)).conversation.id
    await w.membership.set_role("ann", room, "cyd", Role.ADMIN)
    await w.membership.remove_member("ann", room, "ann")
    assert _roles(w, room) == {"bob": Role.MEMBER, "cyd": Role.ADMIN}
    await w.membership.remove_member("bob", room, "bob")  # a member leaving changes nothing
    assert _roles(w, room) == {"cyd": Role.ADMIN}


async def test_the_last_member_of_a_group_stays_its_admin() -> None:
    w = world("ann")
    room = (await w.membership.create_group("ann", "Room", [], False)).conversation.id
    await w.membership.set_role("ann", room, "ann", Role.MEMBER)
    assert _roles(w, room) == {"ann": Role.ADMIN}
