"""Groups and their membership: creating a group, reading it, joining, adding members,
roles and removals. Membership changes are history events (`member_joined`,
`member_left`) posted like messages, and live events to the members.

The rules: only admins of a group manage its members (anyone may leave); nobody but the
creator removes or demotes the creator; a direct conversation has no members to manage; a
group is never left without an admin: when the last one leaves, is removed or is demoted,
the longest-standing other member becomes admin (`_keep_an_admin`).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from chat_service.domain.clock import to_millis
from chat_service.domain.errors import Conflict, Forbidden, NotFound
from chat_service.domain.events import Event, EventType
from chat_service.domain.models import (
    Conversation,
    ConversationType,
    Member,
    MessageKind,
    Role,
)
from chat_service.services.access import ConversationAccess, target
from chat_service.services.messaging import Draft, EventPublisher
from chat_service.services.ports import ConversationStore, MessagePoster, UserLookup

_PROMOTION_TRIES = 3  # candidates tried when each one in turn leaves while being promoted


@dataclass(frozen=True, slots=True)
class ConversationDetail:
    conversation: Conversation
    members: list[Member]


class MembershipService:
    def __init__(
        self,
        users: UserLookup,
        conversations: ConversationStore,
        access: ConversationAccess,
        writer: MessagePoster,
        events: EventPublisher,
        clock_ns: Callable[[], int],
    ) -> None:
        self._users = users
        self._conversations = conversations
        self._access = access
        self._writer = writer
        self._events = events
        self._clock_ns = clock_ns

    async def create_group(
        self, creator: str, name: str, members: Sequence[str], is_private: bool
    ) -> ConversationDetail:
        """`members`: valid lowercase usernames (the creator among them or not)."""
        names = list(dict.fromkeys(member for member in members if member != creator))
        found = await asyncio.gather(*(self._users.by_username(n) for n in names))
        unknown = [name for name, user in zip(names, found, strict=True) if user is None]
        if unknown:
            raise NotFound(
                "Some members do not exist.", code="user_not_found", details={"members": unknown}
            )
        now = to_millis(self._clock_ns())
        conversation = Conversation(
            id=uuid.uuid4(),
            type=ConversationType.GROUP,
            name=name,
            created_by=creator,
            is_private=is_private,
            created_at_ns=now,
        )
        roster = [Member(creator, Role.ADMIN, now)] + [Member(n, Role.MEMBER, now) for n in names]
        await self._conversations.create_group(conversation, roster)
        return ConversationDetail(conversation, sorted(roster, key=lambda m: m.username))

    async def detail(self, caller: str, conversation_id: uuid.UUID) -> ConversationDetail:
        conversation, _ = await self._access.membership(caller, conversation_id)
        return ConversationDetail(conversation, await self._conversations.members(conversation_id))

    async def join(self, caller: str, conversation_id: uuid.UUID) -> None:
        conversation = await self._conversations.get(conversation_id)
        if conversation is None:
            raise NotFound("The conversation does not exist.")
        if await self._conversations.member(conversation_id, caller) is not None:
            return
        if conversation.type is not ConversationType.GROUP or conversation.is_private:
            raise Forbidden("Only public groups can be joined; ask an admin for an invitation.")
        await self._admit(conversation, caller)

    async def add_member(self, caller: str, conversation_id: uuid.UUID, username: str) -> Member:
        conversation, me = await self._access.membership(caller, conversation_id)
        _require_group_admin(conversation, me)
        if await self._users.by_username(username) is None:
            raise NotFound("That user does not exist.", code="user_not_found")
        if await self._conversations.member(conversation_id, username) is not None:
            raise Conflict("That user is already a member.", code="already_member")
        return await self._admit(conversation, username)

    async def set_role(
        self, caller: str, conversation_id: uuid.UUID, username: str, role: Role
    ) -> Member:
        conversation, me = await self._access.membership(caller, conversation_id)
        _require_group_admin(conversation, me)
        member = await self._access.member_or_404(conversation_id, username.lower())
        if member.username == conversation.created_by and caller != conversation.created_by:
            raise Forbidden("Only the creator can change the creator's role.")
        if not await self._conversations.set_role(conversation_id, member.username, role):
            raise NotFound("That user is not a member.", code="member_not_found")
        if role is not Role.ADMIN:
            await self._keep_an_admin(conversation_id, member.username)
        return replace(member, role=role)

    async def remove_member(self, caller: str, conversation_id: uuid.UUID, username: str) -> None:
        conversation, me = await self._access.membership(caller, conversation_id)
        member = await self._access.member_or_404(conversation_id, username.lower())
        if conversation.type is not ConversationType.GROUP:
            raise Forbidden("Nobody can leave a direct conversation.")
        if member.username == conversation.created_by and caller != conversation.created_by:
            raise Forbidden("Nobody but the creator removes the creator.")
        if member.username != caller and me.role is not Role.ADMIN:
            raise Forbidden("Only admins remove other members.")
        await self._conversations.remove_member(conversation_id, member.username)
        self._access.forget(conversation_id, member.username)
        if member.role is Role.ADMIN:
            await self._keep_an_admin(conversation_id, member.username)
        await self._system_event(conversation, member.username, MessageKind.MEMBER_LEFT)
        audience = (*await self._access.audience(conversation_id), member.username)
        await self._events.publish(
            Event(EventType.MEMBER_LEFT, audience, conversation_id, username=member.username)
        )

    async def _keep_an_admin(self, conversation_id: uuid.UUID, former: str) -> None:
        """After `former` stopped being an admin (stored): if no admin is left, the
        longest-standing other member (earliest `joined_at`, then name) becomes one.

        Read after our own write, so of two admins leaving at once at least the second
        sees no admin and promotes; both pick the same member, and promoting twice is
        harmless. A candidate who leaves meanwhile is not promoted (`set_role` is
        IF EXISTS), and the next one is tried. The residual race is in
        docs/data-model.md ("Groups always have an admin")."""
        for _ in range(_PROMOTION_TRIES):
            members = await self._conversations.members(conversation_id)
            if not members or any(m.role is Role.ADMIN for m in members):
                return
            others = [m for m in members if m.username != former] or members
            chosen = min(others, key=lambda m: (m.joined_at_ns, m.username))
            if await self._conversations.set_role(conversation_id, chosen.username, Role.ADMIN):
                return

    async def _admit(self, conversation: Conversation, username: str) -> Member:
        member = Member(username, Role.MEMBER, to_millis(self._clock_ns()))
        await self._conversations.add_member(conversation, member)
        await self._system_event(conversation, username, MessageKind.MEMBER_JOINED)
        await self._events.publish(
            Event(
                EventType.MEMBER_JOINED,
                tuple(await self._access.audience(conversation.id)),
                conversation.id,
                username=username,
            )
        )
        return member

    async def _system_event(
        self, conversation: Conversation, username: str, kind: MessageKind
    ) -> None:
        members = await self._access.audience(conversation.id)
        await self._writer.post(
            target(conversation, members, username), Draft(username, None, kind=kind)
        )


def _require_group_admin(conversation: Conversation, me: Member) -> None:
    if conversation.type is not ConversationType.GROUP:
        raise Forbidden("Direct conversations have no members to manage.")
    if me.role is not Role.ADMIN:
        raise Forbidden("Only admins can do that.")
