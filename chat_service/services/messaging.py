"""Posting, editing and deleting a message in a conversation: the order of writes.

1. An optional retry key is claimed (so retries store nothing new).
2. Every Cassandra copy, with the conversation rows a direct message (re)creates, the
   sender's activity and read marker and its change-log row (`/sync`), all or nothing;
   the counters after it.
3. Every other member's activity (groups) and the search index.
4. In one Redis round trip (`SentMessageEffects`): the cached copies, the live event, and
   the end of the sender's typing there (a message ends a typing indicator).
Cassandra accepts a message before anything derived from it is written. This module says
what each step writes; the repositories decide how it is written.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from chat_service.domain.errors import Conflict
from chat_service.domain.events import Event, EventType
from chat_service.domain.ids import TimeUuidFactory
from chat_service.domain.models import Attachment, ConversationType, Message, MessageKind, Quote
from chat_service.domain.timelines import ConversationTimeline, DirectMessagesTimeline
from chat_service.infra import metrics


class MessageStore(Protocol):
    """Where messages are stored (`repos.messages.MessageRepository`)."""

    async def reserve_client_id(
        self, sender: str, client_message_id: str, conversation_id: uuid.UUID, message_id: uuid.UUID
    ) -> tuple[uuid.UUID, uuid.UUID]: ...

    async def client_id_claim(
        self, sender: str, client_message_id: str
    ) -> tuple[uuid.UUID, uuid.UUID] | None: ...

    async def store(
        self,
        message: Message,
        copies: Sequence[str] = (),
        *,
        activity_for: Sequence[str] = (),
        read_marker_for: str | None = None,
        direct_between: tuple[str, str] | None = None,
        change: Event | None = None,
    ) -> None: ...

    async def get(self, conversation_id: uuid.UUID, message_id: uuid.UUID) -> Message | None: ...

    async def edit(
        self,
        message: Message,
        user_copies: Sequence[str],
        content: str,
        edited_at_ns: int,
        mentions: Sequence[str] = (),
    ) -> bool: ...

    async def soft_delete(self, message: Message, user_copies: Sequence[str]) -> None: ...


class ActivityStore(Protocol):
    """The conversation lists' activity (`repos.conversations.ConversationRepository`)."""

    async def record_activity(
        self, conversation_id: uuid.UUID, usernames: Sequence[str], message_id: uuid.UUID
    ) -> None: ...


class TimelineWriter(Protocol):
    """The recent-history cache (`repos.cache.timelines.TimelineCache`); a new message's
    copies are appended with its other effects (`SentMessageEffects`)."""

    async def replace(self, timelines: Sequence[str], message: Message) -> None: ...


class EventPublisher(Protocol):
    async def publish(self, event: Event) -> None: ...


class SearchIndexer(Protocol):
    """The search index's side of each write (`services.search.SearchIndexing`)."""

    async def indexed(self, message: Message) -> None: ...

    async def reindexed(self, before: Message, after: Message) -> None: ...

    async def removed(self, message: Message) -> None: ...


class SentMessageEffects(Protocol):
    """What a stored message derives, all at once (`repos.cache.sends.SendFollowUp`): its
    cached copies in `timelines`, the live `event` (logged already: its change-log row went
    into the message's batch), and, at `typing_stop_ms` when given, the end of its sender's
    typing. Who is still typing in the conversation when the sender was, else None."""

    async def sent(
        self, timelines: Sequence[str], event: Event, typing_stop_ms: int | None
    ) -> list[str] | None: ...


class TypingStops(Protocol):
    """Typing indicators (`services.typing.TypingService`)."""

    def stop_at_ms(self, members: Sequence[str]) -> int | None: ...

    async def stopped_typing(
        self,
        conversation_id: uuid.UUID,
        sender: str,
        members: Sequence[str],
        typing: list[str],
    ) -> None: ...


# The metric's children, bound once: `labels()` takes a lock and builds a key every call.
_STORED = {kind: metrics.MESSAGES_STORED.labels(kind.value) for kind in ConversationType}
# How long a retry waits for the first attempt, still in flight, to store its message.
_IN_FLIGHT_WAITS_S = (0.05, 0.1, 0.2, 0.4, 0.8)


@dataclass(frozen=True, slots=True)
class Target:
    """Where a message goes: a conversation, its kind, and who is in it."""

    conversation_id: uuid.UUID
    type: ConversationType
    members: Sequence[str]
    peer: str | None = None  # the other participant of a direct conversation


@dataclass(frozen=True, slots=True)
class Draft:
    sender: str
    content: str | None
    attachment: Attachment | None = None
    retry_key: str | None = None
    kind: MessageKind = MessageKind.MESSAGE
    reply_to: Quote | None = None  # the message it replies to, checked by the service
    mentions: tuple[str, ...] = ()  # the members its content mentions


class MessageWriter:
    def __init__(
        self,
        messages: MessageStore,
        conversations: ActivityStore,
        cache: TimelineWriter,
        events: EventPublisher,
        ids: TimeUuidFactory,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        *,
        sent: SentMessageEffects,
        search: SearchIndexer | None = None,
        typing: TypingStops | None = None,
    ) -> None:
        self._messages = messages
        self._conversations = conversations
        self._cache = cache
        self._events = events
        self._ids = ids
        self._sleep = sleep
        self._search = search  # None: messages are not searchable (some unit tests)
        self._typing = typing
        self._sent = sent

    async def post(self, target: Target, draft: Draft) -> Message:
        message_id = self._ids.new()
        if draft.retry_key is not None:
            earlier, message_id = await self._claim(target, draft, message_id)
            if earlier is not None:
                return earlier
        message = Message(
            id=message_id,
            conversation_id=target.conversation_id,
            sender=draft.sender,
            recipient=target.peer,
            content=draft.content,
            kind=draft.kind,
            attachment=draft.attachment,
            reply_to_id=draft.reply_to.id if draft.reply_to else None,
            reply_to=draft.reply_to,
            mentions=draft.mentions,
        )
        sender, peer = draft.sender, target.peer
        direct = target.type is ConversationType.DIRECT
        # Its change-log row (for /sync) joins the message's batch. The change id is made
        # now, not reused from the message id: a retry may store a message under an id
        # reserved long ago, and a change must become visible soon after its id is made.
        created = Event(
            EventType.MESSAGE_CREATED,
            tuple(target.members),
            target.conversation_id,
            message=message,
            change_id=self._ids.new(),
        )
        if direct and peer is not None:
            # The copies, both list rows, the sender's read marker and the conversation
            # itself, stored together.
            pair = (sender, peer)
            await self._messages.store(
                message,
                pair,
                activity_for=pair,
                read_marker_for=sender,
                direct_between=pair,
                change=created,
            )
        else:
            await self._messages.store(
                message, activity_for=(sender,), read_marker_for=sender, change=created
            )
        _STORED[target.type].inc()
        if not direct:  # every other member's list row, after the message is stored
            others = [name for name in target.members if name != sender]
            await self._conversations.record_activity(target.conversation_id, others, message.id)
        if self._search is not None:  # findable before anyone is told of it
            await self._search.indexed(message)
        typing = self._typing if draft.kind is MessageKind.MESSAGE else None
        stop_ms = typing.stop_at_ms(target.members) if typing is not None else None
        still_typing = await self._sent.sent(timelines_of(message), created, stop_ms)
        if typing is not None and still_typing is not None:
            await typing.stopped_typing(
                target.conversation_id, sender, target.members, still_typing
            )
        return message

    async def stored_retry(
        self, sender: str, retry_key: str, conversation_id: uuid.UUID
    ) -> Message | None:
        """The message an earlier attempt with this retry key stored in this conversation,
        if any: a retry that stores nothing new, so the caller need not charge the sender's
        limits for it (a first attempt still in flight is charged; see `post`)."""
        claim = await self._messages.client_id_claim(sender, retry_key)
        if claim is None or claim[0] != conversation_id:
            return None
        return await self._messages.get(*claim)

    async def edit(
        self,
        message: Message,
        content: str,
        edited_at_ns: int,
        audience: Sequence[str],
        mentions: tuple[str, ...] = (),
    ) -> Message | None:
        """The edited message (now mentioning `mentions`), or None when it was deleted
        meanwhile."""
        participants = _participants(message)
        if not await self._messages.edit(message, participants, content, edited_at_ns, mentions):
            return None
        edited = replace(message, content=content, edited_at_ns=edited_at_ns, mentions=mentions)
        if self._search is not None:
            await self._search.reindexed(message, edited)
        await self._cache.replace(timelines_of(edited), edited)
        await self._notify(EventType.MESSAGE_UPDATED, audience, edited)
        return edited

    async def delete(self, message: Message, audience: Sequence[str]) -> Message:
        await self._messages.soft_delete(message, _participants(message))
        if self._search is not None:
            await self._search.removed(message)
        deleted = replace(message, content=None, attachment=None, deleted=True, mentions=())
        await self._cache.replace(timelines_of(deleted), deleted)
        await self._notify(EventType.MESSAGE_DELETED, audience, deleted)
        return deleted

    async def _notify(self, kind: EventType, audience: Sequence[str], message: Message) -> None:
        await self._events.publish(
            Event(kind, tuple(audience), message.conversation_id, message=message)
        )

    async def _claim(
        self, target: Target, draft: Draft, message_id: uuid.UUID
    ) -> tuple[Message | None, uuid.UUID]:
        """Claim the retry key: (the message an earlier attempt stored, None) or (None, the
        id to store under: ours, or the earlier attempt's if it died before storing)."""
        assert draft.retry_key is not None
        claimed_conversation, claimed_id = await self._messages.reserve_client_id(
            draft.sender, draft.retry_key, target.conversation_id, message_id
        )
        if claimed_id == message_id:
            return None, message_id
        if claimed_conversation != target.conversation_id:
            raise Conflict(
                "This client_message_id was used for another conversation.",
                code="client_message_id_conflict",
            )
        earlier = await self._earlier_attempt(claimed_conversation, claimed_id)
        return earlier, claimed_id

    async def _earlier_attempt(
        self, conversation_id: uuid.UUID, message_id: uuid.UUID
    ) -> Message | None:
        """The message an earlier attempt stored, waiting briefly if it is still in flight."""
        for pause in (0.0, *_IN_FLIGHT_WAITS_S):
            await self._sleep(pause)
            found = await self._messages.get(conversation_id, message_id)
            if found is not None:
                return found
        return None


def _participants(message: Message) -> tuple[str, ...]:
    """The users whose direct-message history holds a copy of `message`."""
    return (message.sender, message.recipient) if message.recipient else ()


def timelines_of(message: Message) -> list[str]:
    """The names of the timelines holding a copy of `message`."""
    return [
        ConversationTimeline.name_of(message.conversation_id),
        *(DirectMessagesTimeline.name_of(person) for person in _participants(message)),
    ]
