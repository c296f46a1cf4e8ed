"""Direct messages: sending (idempotent with a client message id) and the caller's history
of every direct message sent or received, paged by page number or by cursor."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Protocol

from chat_service.domain import validation
from chat_service.domain.errors import InvalidInput, NotFound
from chat_service.domain.ids import direct_conversation_id
from chat_service.domain.mentions import mentioned
from chat_service.domain.models import ConversationType, Message
from chat_service.domain.timelines import DirectMessagesTimeline, NumberedPage
from chat_service.services.messaging import Draft, Target
from chat_service.services.ports import (
    MarksSource,
    MessagePoster,
    SendLimits,
    TimelineReader,
    UserLookup,
)
from chat_service.services.replies import quote_of


class KnownUsers(Protocol):
    """Usernames found already: a bounded set (`infra.caches.CacheRegistry.fifo`)."""

    def __contains__(self, username: str) -> bool: ...

    def __setitem__(self, username: str, found: bool) -> None: ...


class DirectMessageService:
    def __init__(
        self,
        users: UserLookup,
        timelines: TimelineReader,
        writer: MessagePoster,
        limits: SendLimits,
        known_users: KnownUsers,
        marks: MarksSource,
    ) -> None:
        self._users = users
        self._timelines = timelines
        self._writer = writer
        self._limits = limits
        self._known_users = known_users
        self._marks = marks

    async def send(
        self,
        sender: str,
        recipient: str,
        content: str,
        client_message_id: str | None,
        reply_to: uuid.UUID | None = None,
    ) -> Message:
        """`recipient` in lowercase, maybe no valid name (then no such user); `reply_to` a
        message of their conversation that is not deleted."""
        if recipient == sender:
            raise InvalidInput("You cannot send a message to yourself.", code="cannot_message_self")
        if not await self._user_exists(recipient):
            raise NotFound("The recipient does not exist.", code="recipient_not_found")
        conversation_id = direct_conversation_id(sender, recipient)
        if client_message_id is not None:  # a retry of a stored message is not charged
            earlier = await self._writer.stored_retry(sender, client_message_id, conversation_id)
            if earlier is not None:
                return earlier
        quote = await quote_of(self._timelines, conversation_id, reply_to)
        await self._limits.take_send(sender)
        target = Target(
            conversation_id=conversation_id,
            type=ConversationType.DIRECT,
            members=(sender, recipient),
            peer=recipient,
        )
        draft = Draft(
            sender,
            content,
            retry_key=client_message_id,
            reply_to=quote,
            mentions=mentioned(content, target.members),
        )
        return await self._writer.post(target, draft)

    async def history(
        self, username: str, page_size: int, page: int | None, before: uuid.UUID | None
    ) -> NumberedPage:
        """One page of the caller's direct messages, newest first, with the total."""
        position = before if before is not None else page or 1
        timeline = DirectMessagesTimeline(username)
        found = await self._timelines.numbered_page(timeline, position, page_size)
        marks = await self._marks.page_marks(timeline, found.messages, username)
        return dataclasses.replace(found, marks=marks) if marks else found

    async def _user_exists(self, username: str) -> bool:
        """Accounts are never deleted, so a name once found stays found."""
        if username in self._known_users:
            return True
        if not validation.USERNAME.fullmatch(username) or not username.isascii():
            return False
        if await self._users.by_username(username) is None:
            return False
        self._known_users[username] = True
        return True
