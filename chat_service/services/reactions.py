"""Reactions: members add and remove their own, and list who reacted with an emoji.

The rules: members only (404 otherwise, as for every read); a deleted message takes no new
reaction (409 `message_deleted`); one user puts at most `REACTIONS_PER_USER_MAX` distinct
emoji on one message (409 `too_many_reactions`); adding what is there already, or removing
what is not, changes nothing and tells nobody.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from chat_service.domain import validation
from chat_service.domain.clock import to_millis
from chat_service.domain.cursors import ReactorsCursor
from chat_service.domain.errors import Conflict
from chat_service.domain.events import Event, EventType
from chat_service.domain.models import Message
from chat_service.domain.reactions import summary
from chat_service.services.access import ConversationAccess
from chat_service.services.marks import copies_of, timelines_of
from chat_service.services.messaging import EventPublisher
from chat_service.services.ports import MarkChanges, ReactionStore


class ReactionService:
    def __init__(
        self,
        access: ConversationAccess,
        reactions: ReactionStore,
        changes: MarkChanges,
        events: EventPublisher,
        clock_ns: Callable[[], int],
    ) -> None:
        self._access = access
        self._reactions = reactions
        self._changes = changes
        self._events = events
        self._clock_ns = clock_ns

    async def react(
        self, caller: str, conversation_id: uuid.UUID, message_id: uuid.UUID, emoji: str
    ) -> None:
        message = await self._message(caller, conversation_id, message_id)
        if message.deleted:
            raise Conflict("The message was deleted.", code="message_deleted")
        mine = await self._reactions.emoji_of(message.id, caller)
        if emoji in mine:
            return
        limit = validation.REACTIONS_PER_USER_MAX
        if len(mine) >= limit:
            raise Conflict(
                f"You can put at most {limit} different emoji on one message.",
                code="too_many_reactions",
                details={"limit": limit},
            )
        at_ns = to_millis(self._clock_ns())
        await self._reactions.add(message, emoji, caller, at_ns, copies_of(message))
        await self._changed(message, caller, emoji, added=True)

    async def unreact(
        self, caller: str, conversation_id: uuid.UUID, message_id: uuid.UUID, emoji: str
    ) -> None:
        message = await self._message(caller, conversation_id, message_id)
        if emoji not in await self._reactions.emoji_of(message.id, caller):
            return
        await self._reactions.remove(message, emoji, caller, copies_of(message))
        await self._changed(message, caller, emoji, added=False)

    async def reactors(
        self,
        caller: str,
        conversation_id: uuid.UUID,
        message_id: uuid.UUID,
        emoji: str,
        limit: int,
        cursor: str | None,
    ) -> tuple[list[str], str | None]:
        """Who reacted with `emoji`, in name order, after the opaque `cursor`, and the
        cursor of the next page (None at the end)."""
        after = ReactorsCursor.parse(cursor).username if cursor else ""
        message = await self._message(caller, conversation_id, message_id)
        names, more = await self._reactions.reactors(message, emoji, after, limit)
        return names, ReactorsCursor(names[-1]).encode() if more and names else None

    async def _message(
        self, caller: str, conversation_id: uuid.UUID, message_id: uuid.UUID
    ) -> Message:
        await self._access.require_member(caller, conversation_id)
        return await self._access.message_or_404(conversation_id, message_id)

    async def _changed(self, message: Message, reactor: str, emoji: str, added: bool) -> None:
        """After the store: this process forgets the old marks, then the members (and every
        other process) hear the message's new summary, read after the change, so the last
        event of a burst is right."""
        self._changes.changed(timelines_of(message))
        reactions = await self._reactions.of_message(message)
        audience = await self._access.audience(message.conversation_id)
        await self._events.publish(
            Event(
                EventType.REACTIONS,
                tuple(audience),
                message.conversation_id,
                message_id=message.id,
                username=reactor,
                emoji=emoji,
                added=added,
                reactions=summary(reactions, None),
            )
        )
