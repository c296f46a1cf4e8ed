"""What every conversation service checks first: that the caller is a member, and who
hears about a change. A conversation that does not exist and one the caller is not in look
the same (404)."""

from __future__ import annotations

import asyncio
import uuid

from chat_service.domain.errors import NotFound
from chat_service.domain.models import Conversation, ConversationType, Member, Message
from chat_service.domain.timelines import ConversationTimeline
from chat_service.services.member_cache import MemberCache
from chat_service.services.messaging import Target
from chat_service.services.ports import ConversationStore, TimelineReader


class ConversationAccess:
    def __init__(
        self, conversations: ConversationStore, timelines: TimelineReader, members: MemberCache
    ) -> None:
        self._conversations = conversations
        self._timelines = timelines
        self._members = members

    async def membership(
        self, caller: str, conversation_id: uuid.UUID
    ) -> tuple[Conversation, Member]:
        me, conversation = await asyncio.gather(
            self._conversations.member(conversation_id, caller),
            self._conversations.get(conversation_id),
        )
        if me is None or conversation is None:
            raise NotFound("The conversation does not exist.")
        return conversation, me

    async def require_member(self, caller: str, conversation_id: uuid.UUID) -> None:
        """The check for reads that need nothing else about the conversation: a one-row
        read, skipped while this process remembers the caller as a member."""

        async def load() -> bool:
            return await self._conversations.member(conversation_id, caller) is not None

        if not await self._members.is_member(conversation_id, caller, load):
            raise NotFound("The conversation does not exist.")

    def forget(self, conversation_id: uuid.UUID, username: str) -> None:
        """A removal takes effect in this process before it is answered."""
        self._members.forget(conversation_id, username)

    async def audience(self, conversation_id: uuid.UUID) -> list[str]:
        """Who hears about a change now: the current members."""
        return [m.username for m in await self._conversations.members(conversation_id)]

    async def member_or_404(self, conversation_id: uuid.UUID, username: str) -> Member:
        member = await self._conversations.member(conversation_id, username)
        if member is None:
            raise NotFound("That user is not a member.", code="member_not_found")
        return member

    async def message_or_none(
        self, conversation_id: uuid.UUID, message_id: uuid.UUID
    ) -> Message | None:
        return await self._timelines.message(ConversationTimeline(conversation_id), message_id)

    async def message_or_404(self, conversation_id: uuid.UUID, message_id: uuid.UUID) -> Message:
        message = await self._timelines.message(ConversationTimeline(conversation_id), message_id)
        if message is None:
            raise NotFound("The message does not exist.", code="message_not_found")
        return message


def target(conversation: Conversation, members: list[str], sender: str) -> Target:
    """Where a message to `conversation` goes, with the peer of a direct one."""
    peer = None
    if conversation.type is ConversationType.DIRECT:
        peer = next((name for name in members if name != sender), None)
    return Target(conversation.id, conversation.type, members, peer)
