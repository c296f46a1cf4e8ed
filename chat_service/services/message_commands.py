"""Posting, editing and deleting messages of a conversation: who may, and what is sent
on to the writer (`services/messaging.py`, which decides the order of writes).

The rules: members post; only the sender edits, and never a deleted message; the sender
or an admin of a group deletes.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from typing import Protocol

from chat_service.domain.clock import to_millis
from chat_service.domain.errors import Conflict, Forbidden, NotFound
from chat_service.domain.mentions import mentioned
from chat_service.domain.models import Attachment, ConversationType, Message, MessageKind, Role
from chat_service.services.access import ConversationAccess, target
from chat_service.services.messaging import Draft
from chat_service.services.ports import (
    ConversationStore,
    MessagePoster,
    SendLimits,
    TimelineReader,
)
from chat_service.services.replies import quote_of


class DeletedMarks(Protocol):
    """`services.marks.MarkEraser`."""

    async def message_deleted(self, message: Message, audience: Sequence[str]) -> None: ...


class MessageService:
    def __init__(
        self,
        conversations: ConversationStore,
        access: ConversationAccess,
        writer: MessagePoster,
        limits: SendLimits,
        clock_ns: Callable[[], int],
        timelines: TimelineReader,
        marks: DeletedMarks | None = None,
    ) -> None:
        self._timelines = timelines  # to read the message a reply quotes
        self._conversations = conversations
        self._access = access
        self._writer = writer
        self._limits = limits
        self._clock_ns = clock_ns
        self._marks = marks

    async def post(
        self,
        caller: str,
        conversation_id: uuid.UUID,
        content: str | None,
        client_message_id: str | None,
        attachment: Attachment | None,
        reply_to: uuid.UUID | None = None,
    ) -> Message:
        """`content` may be None only beside an attachment; `reply_to` a message of this
        conversation that is not deleted."""
        # One read of the roster serves both the access check and the fan-out.
        conversation, members = await asyncio.gather(
            self._conversations.get(conversation_id), self._access.audience(conversation_id)
        )
        if conversation is None or caller not in members:
            raise NotFound("The conversation does not exist.")
        if client_message_id is not None:  # a retry of a stored message is not charged
            earlier = await self._writer.stored_retry(caller, client_message_id, conversation_id)
            if earlier is not None:
                return earlier
        quote = await quote_of(self._timelines, conversation_id, reply_to)
        await self._limits.take_send(caller)
        draft = Draft(
            caller,
            content,
            attachment,
            client_message_id,
            reply_to=quote,
            mentions=mentioned(content, members),
        )
        return await self._writer.post(target(conversation, members, caller), draft)

    async def edit(
        self, caller: str, conversation_id: uuid.UUID, message_id: uuid.UUID, content: str
    ) -> Message:
        await self._access.membership(caller, conversation_id)
        message = await self._access.message_or_404(conversation_id, message_id)
        if message.sender != caller or message.kind is not MessageKind.MESSAGE:
            raise Forbidden("Only the sender can edit a message.")
        if message.deleted:
            raise Conflict("The message was deleted.", code="message_deleted")
        audience = await self._access.audience(conversation_id)
        edited = await self._writer.edit(
            message, content, to_millis(self._clock_ns()), audience, mentioned(content, audience)
        )
        if edited is None:
            raise Conflict("The message was deleted.", code="message_deleted")
        return edited

    async def delete(self, caller: str, conversation_id: uuid.UUID, message_id: uuid.UUID) -> None:
        conversation, me = await self._access.membership(caller, conversation_id)
        message = await self._access.message_or_404(conversation_id, message_id)
        is_admin = conversation.type is ConversationType.GROUP and me.role is Role.ADMIN
        if message.sender != caller and not is_admin:
            raise Forbidden("Only the sender or a group admin can delete a message.")
        if not message.deleted:
            audience = await self._access.audience(conversation_id)
            await self._writer.delete(message, audience)
            if self._marks is not None:  # its reactions and pin go with it
                await self._marks.message_deleted(message, audience)
