"""Conversations: groups and their membership, the conversation list, per-conversation
history, edits, soft deletes and read markers.

Every call first proves the caller is a member (one row read, which history reads skip
while `MemberCache` remembers the caller); a conversation that does not exist and one the
caller is not in look the same (404).
"""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from chat_service.domain import validation
from chat_service.domain.clock import to_millis
from chat_service.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from chat_service.domain.events import Event, EventType
from chat_service.domain.ids import epoch_ns, sort_key
from chat_service.domain.models import (
    Attachment,
    Conversation,
    ConversationSummary,
    ConversationType,
    Member,
    Message,
    MessageKind,
    Role,
)
from chat_service.repos.cache.timelines import (
    TimelineCache,
    conversation_timeline,
)
from chat_service.repos.conversations import ConversationRepository, UserConversation
from chat_service.repos.messages import MessageRepository
from chat_service.repos.users import UserRepository
from chat_service.services.limits import Limits
from chat_service.services.membership import MemberCache
from chat_service.services.messaging import Draft, EventPublisher, MessageWriter, Target

UNREAD_CAP = 1000
MAX_INITIAL_MEMBERS = 256
ATTACHMENT_TYPES = frozenset({"image", "audio", "video", "file"})


@dataclass(frozen=True, slots=True)
class ConversationDetail:
    conversation: Conversation
    members: list[Member]


@dataclass(frozen=True, slots=True)
class HistoryPage:
    messages: list[Message]  # newest first
    next_cursor: uuid.UUID | None


class ConversationService:
    def __init__(
        self,
        users: UserRepository,
        conversations: ConversationRepository,
        messages: MessageRepository,
        cache: TimelineCache,
        writer: MessageWriter,
        events: EventPublisher,
        limits: Limits,
        members: MemberCache,
        clock_ns: Callable[[], int],
    ) -> None:
        self._users = users
        self._conversations = conversations
        self._messages = messages
        self._cache = cache
        self._writer = writer
        self._events = events
        self._limits = limits
        self._members = members
        self._clock_ns = clock_ns

    # Groups and membership.

    async def create_group(
        self, creator: str, name: object, members: object, is_private: object
    ) -> ConversationDetail:
        title = validation.group_name(name)
        if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
            raise validation.invalid("members", "must be a list of usernames")
        if len(members) > MAX_INITIAL_MEMBERS:
            raise validation.invalid("members", f"at most {MAX_INITIAL_MEMBERS} at creation")
        if not isinstance(is_private, bool):
            raise validation.invalid("is_private", "must be true or false")
        valid = [validation.username(m, "members") for m in members]
        names = list(dict.fromkeys(name for name in valid if name != creator))
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
            name=title,
            created_by=creator,
            is_private=is_private,
            created_at_ns=now,
        )
        roster = [Member(creator, Role.ADMIN, now)] + [Member(n, Role.MEMBER, now) for n in names]
        await self._conversations.create_group(conversation, roster)
        return ConversationDetail(conversation, sorted(roster, key=lambda m: m.username))

    async def detail(self, caller: str, conversation_id: uuid.UUID) -> ConversationDetail:
        conversation, _ = await self._membership(caller, conversation_id)
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

    async def add_member(self, caller: str, conversation_id: uuid.UUID, username: object) -> Member:
        conversation, me = await self._membership(caller, conversation_id)
        self._require_group_admin(conversation, me)
        name = validation.username(username)
        if await self._users.by_username(name) is None:
            raise NotFound("That user does not exist.", code="user_not_found")
        if await self._conversations.member(conversation_id, name) is not None:
            raise Conflict("That user is already a member.", code="already_member")
        return await self._admit(conversation, name)

    async def set_role(
        self, caller: str, conversation_id: uuid.UUID, username: str, role: object
    ) -> Member:
        conversation, me = await self._membership(caller, conversation_id)
        self._require_group_admin(conversation, me)
        if role not in (Role.ADMIN.value, Role.MEMBER.value):
            raise validation.invalid("role", "must be admin or member")
        target = await self._member_or_404(conversation_id, username.lower())
        if target.username == conversation.created_by and caller != conversation.created_by:
            raise Forbidden("Only the creator can change the creator's role.")
        if not await self._conversations.set_role(conversation_id, target.username, Role(role)):
            raise NotFound("That user is not a member.", code="member_not_found")
        return replace(target, role=Role(role))

    async def remove_member(self, caller: str, conversation_id: uuid.UUID, username: str) -> None:
        conversation, me = await self._membership(caller, conversation_id)
        target = await self._member_or_404(conversation_id, username.lower())
        if conversation.type is not ConversationType.GROUP:
            raise Forbidden("Nobody can leave a direct conversation.")
        if target.username == conversation.created_by and caller != conversation.created_by:
            raise Forbidden("Nobody but the creator removes the creator.")
        if target.username != caller and me.role is not Role.ADMIN:
            raise Forbidden("Only admins remove other members.")
        await self._conversations.remove_member(conversation_id, target.username)
        self._members.forget(conversation_id, target.username)
        await self._system_event(conversation, target.username, MessageKind.MEMBER_LEFT)
        audience = (*await self._audience(conversation_id), target.username)
        await self._events.publish(
            Event(EventType.MEMBER_LEFT, audience, conversation_id, username=target.username)
        )

    # The conversation list.

    async def list(
        self, caller: str, limit: int, cursor: str | None, query: str
    ) -> tuple[list[ConversationSummary], str | None]:
        """Newest activity first, filtered by name or peer, paged by an opaque cursor."""
        rows = await self._conversations.user_conversations(caller)
        needle = query.lower()
        if needle:
            rows = [row for row in rows if needle in (row.name or row.peer or "").lower()]
        rows.sort(key=_activity_order)
        if cursor:
            position = _decode_cursor(cursor)
            rows = [row for row in rows if _activity_order(row) > position]
        page = rows[:limit]
        summaries = await asyncio.gather(*(self._summary(caller, row) for row in page))
        more = len(rows) > limit
        return list(summaries), _encode_cursor(_activity_order(page[-1])) if more else None

    async def _summary(self, caller: str, row: UserConversation) -> ConversationSummary:
        last = None
        unread = 0
        if row.last_activity_id is not None:
            last, unread = await asyncio.gather(
                self._messages.conversations.get(row.conversation_id, row.last_activity_id),
                self._unread(caller, row),
            )
        return ConversationSummary(
            id=row.conversation_id,
            type=row.type,
            name=row.name,
            peer=row.peer,
            last_message=last,
            unread_count=unread,
            updated_at_ns=-_activity_order(row)[0],
        )

    async def _unread(self, caller: str, row: UserConversation) -> int:
        assert row.last_activity_id is not None
        if row.last_read_id is not None and sort_key(row.last_read_id) >= sort_key(
            row.last_activity_id
        ):
            return 0
        return await self._messages.conversations.count_unread(
            row.conversation_id, row.last_read_id, caller, UNREAD_CAP
        )

    # Messages.

    async def history(
        self,
        caller: str,
        conversation_id: uuid.UUID,
        limit: int,
        before: uuid.UUID | None = None,
        after: uuid.UUID | None = None,
        around: uuid.UUID | None = None,
    ) -> HistoryPage:
        await self._require_member(caller, conversation_id)
        if around is not None:
            return await self._around(conversation_id, around, limit)
        if after is not None:
            newer, more = await self._after(conversation_id, after, limit)
            return HistoryPage(newer[::-1], newer[-1].id if more and newer else None)
        older, more = await self._before(conversation_id, before, limit)
        return HistoryPage(older, older[-1].id if more and older else None)

    async def message(
        self, caller: str, conversation_id: uuid.UUID, message_id: uuid.UUID
    ) -> Message:
        await self._require_member(caller, conversation_id)
        return await self._message_or_404(conversation_id, message_id)

    async def post(
        self,
        caller: str,
        conversation_id: uuid.UUID,
        content: object,
        client_message_id: object,
        attachment: object,
    ) -> Message:
        file = _attachment(attachment)
        text = None if file is not None and content in (None, "") else validation.content(content)
        retry_key = validation.client_message_id(client_message_id)
        # One read of the roster serves both the access check and the fan-out.
        conversation, members = await asyncio.gather(
            self._conversations.get(conversation_id), self._audience(conversation_id)
        )
        if conversation is None or caller not in members:
            raise NotFound("The conversation does not exist.")
        await self._limits.take_send(caller)
        return await self._writer.post(
            _target(conversation, members, caller), Draft(caller, text, file, retry_key)
        )

    async def edit(
        self, caller: str, conversation_id: uuid.UUID, message_id: uuid.UUID, content: object
    ) -> Message:
        await self._membership(caller, conversation_id)
        text = validation.content(content)
        message = await self._message_or_404(conversation_id, message_id)
        if message.sender != caller or message.kind is not MessageKind.MESSAGE:
            raise Forbidden("Only the sender can edit a message.")
        if message.deleted:
            raise Conflict("The message was deleted.", code="message_deleted")
        audience = await self._audience(conversation_id)
        edited = await self._writer.edit(message, text, to_millis(self._clock_ns()), audience)
        if edited is None:
            raise Conflict("The message was deleted.", code="message_deleted")
        return edited

    async def delete(self, caller: str, conversation_id: uuid.UUID, message_id: uuid.UUID) -> None:
        conversation, me = await self._membership(caller, conversation_id)
        message = await self._message_or_404(conversation_id, message_id)
        is_admin = conversation.type is ConversationType.GROUP and me.role is Role.ADMIN
        if message.sender != caller and not is_admin:
            raise Forbidden("Only the sender or a group admin can delete a message.")
        if not message.deleted:
            await self._writer.delete(message, await self._audience(conversation_id))

    async def mark_read(self, caller: str, conversation_id: uuid.UUID, message_id: object) -> None:
        await self._membership(caller, conversation_id)
        read_up_to = validation.message_id(message_id, "message_id")
        await self._message_or_404(conversation_id, read_up_to)
        await self._conversations.mark_read(caller, conversation_id, read_up_to)
        await self._events.publish(
            Event(
                EventType.READ, (caller,), conversation_id, username=caller, message_id=read_up_to
            )
        )

    # Helpers.

    async def _membership(
        self, caller: str, conversation_id: uuid.UUID
    ) -> tuple[Conversation, Member]:
        me, conversation = await asyncio.gather(
            self._conversations.member(conversation_id, caller),
            self._conversations.get(conversation_id),
        )
        if me is None or conversation is None:
            raise NotFound("The conversation does not exist.")
        return conversation, me

    async def _audience(self, conversation_id: uuid.UUID) -> list[str]:
        """Who hears about a change now: the current members."""
        return [m.username for m in await self._conversations.members(conversation_id)]

    async def _require_member(self, caller: str, conversation_id: uuid.UUID) -> None:
        """The check for reads that need nothing else about the conversation: a one-row
        read, skipped while this process remembers the caller as a member."""

        async def load() -> bool:
            return await self._conversations.member(conversation_id, caller) is not None

        if not await self._members.is_member(conversation_id, caller, load):
            raise NotFound("The conversation does not exist.")

    async def _member_or_404(self, conversation_id: uuid.UUID, username: str) -> Member:
        member = await self._conversations.member(conversation_id, username)
        if member is None:
            raise NotFound("That user is not a member.", code="member_not_found")
        return member

    async def _message_or_404(self, conversation_id: uuid.UUID, message_id: uuid.UUID) -> Message:
        message = await self._messages.conversations.get(conversation_id, message_id)
        if message is None:
            raise NotFound("The message does not exist.", code="message_not_found")
        return message

    def _require_group_admin(self, conversation: Conversation, me: Member) -> None:
        if conversation.type is not ConversationType.GROUP:
            raise Forbidden("Direct conversations have no members to manage.")
        if me.role is not Role.ADMIN:
            raise Forbidden("Only admins can do that.")

    async def _admit(self, conversation: Conversation, username: str) -> Member:
        now = to_millis(self._clock_ns())
        member = Member(username, Role.MEMBER, now)
        await self._conversations.add_member(conversation, member)
        await self._system_event(conversation, username, MessageKind.MEMBER_JOINED)
        await self._events.publish(
            Event(
                EventType.MEMBER_JOINED,
                tuple(await self._audience(conversation.id)),
                conversation.id,
                username=username,
            )
        )
        return member

    async def _system_event(
        self, conversation: Conversation, username: str, kind: MessageKind
    ) -> None:
        target = await self._target(conversation, username)
        await self._writer.post(target, Draft(username, None, kind=kind))

    async def _target(self, conversation: Conversation, sender: str) -> Target:
        return _target(conversation, await self._audience(conversation.id), sender)

    async def _before(
        self, conversation_id: uuid.UUID, before: uuid.UUID | None, limit: int
    ) -> tuple[list[Message], bool]:
        timeline = conversation_timeline(conversation_id)
        if before is None:
            cached = await self._cache.newest(timeline, 0, limit, self._loader(conversation_id))
        else:
            cached = await self._cache.before(timeline, before, limit)
        if cached is not None and (cached.more or cached.cached_count < self._cache.max_len):
            return cached.messages, cached.more
        return await self._messages.conversations.newest(conversation_id, limit, before=before)

    async def _after(
        self, conversation_id: uuid.UUID, after: uuid.UUID, limit: int
    ) -> tuple[list[Message], bool]:
        timeline = conversation_timeline(conversation_id)
        cached = await self._cache.after(timeline, after, limit)
        covers = cached is not None and (
            cached.cached_count < self._cache.max_len or cached.oldest_key <= sort_key(after)
        )
        if cached is not None and covers:
            return cached.messages, cached.more
        return await self._messages.conversations.oldest_after(conversation_id, after, limit)

    async def _around(
        self, conversation_id: uuid.UUID, around: uuid.UUID, limit: int
    ) -> HistoryPage:
        anchor = await self._message_or_404(conversation_id, around)
        newer_count = (limit - 1) // 2
        (older, more), (newer, _) = await asyncio.gather(
            self._before(conversation_id, around, limit - 1 - newer_count),
            self._after(conversation_id, around, newer_count),
        )
        return HistoryPage([*newer[::-1], anchor, *older], older[-1].id if more and older else None)

    def _loader(self, conversation_id: uuid.UUID) -> Callable[[int], Awaitable[list[Message]]]:
        async def load(count: int) -> list[Message]:
            messages, _ = await self._messages.conversations.newest(conversation_id, count)
            return messages

        return load


def _target(conversation: Conversation, members: list[str], sender: str) -> Target:
    peer = None
    if conversation.type is ConversationType.DIRECT:
        peer = next((name for name in members if name != sender), None)
    return Target(conversation.id, conversation.type, members, peer)


def _activity_order(row: UserConversation) -> tuple[int, str]:
    """Sort key: newest activity first (negated time), then by id for a stable order."""
    if row.last_activity_id is not None:
        at = epoch_ns(row.last_activity_id)
    else:
        at = row.joined_at_ns or 0
    return -at, str(row.conversation_id)


def _encode_cursor(position: tuple[int, str]) -> str:
    return base64.urlsafe_b64encode(f"{-position[0]}|{position[1]}".encode()).decode()


def _decode_cursor(cursor: str) -> tuple[int, str]:
    try:
        at, _, conversation = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        return -int(at), str(uuid.UUID(conversation))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            "cursor: not a cursor this API gave out", details={"cursor": "invalid"}
        ) from exc


def _attachment(value: object) -> Attachment | None:
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - {"type", "url"}:
        raise validation.invalid("attachment", "must be an object with type and url")
    kind, url = value.get("type"), value.get("url")
    if not isinstance(kind, str) or kind not in ATTACHMENT_TYPES:
        raise validation.invalid("attachment", "type must be image, audio, video or file")
    return Attachment(str(kind), validation.http_url(url, "attachment"))
