"""Direct messages: sending (idempotent with a client message id) and the caller's history
of every direct message sent or received, paged by page number or by cursor."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from chat_service.domain import validation
from chat_service.domain.errors import InvalidInput, NotFound
from chat_service.domain.ids import direct_conversation_id
from chat_service.domain.models import ConversationType, Message
from chat_service.repos.cache.timelines import TimelineCache, user_timeline
from chat_service.repos.messages import MessageRepository
from chat_service.repos.users import UserRepository
from chat_service.services.limits import Limits
from chat_service.services.messaging import Draft, MessageWriter, Target


@dataclass(frozen=True, slots=True)
class DirectHistoryPage:
    messages: list[Message]
    page: int | None  # None when paged by cursor
    page_size: int
    total: int
    next_cursor: uuid.UUID | None


class DirectMessageService:
    def __init__(
        self,
        users: UserRepository,
        messages: MessageRepository,
        cache: TimelineCache,
        writer: MessageWriter,
        limits: Limits,
    ) -> None:
        self._users = users
        self._messages = messages
        self._cache = cache
        self._writer = writer
        self._limits = limits
        self._known_users: set[str] = set()

    async def send(
        self, sender: str, recipient: object, content: object, client_message_id: object
    ) -> Message:
        if not isinstance(recipient, str):
            raise validation.invalid("recipient", "must be a string")
        to = recipient.lower()
        text = validation.content(content)
        retry_key = validation.client_message_id(client_message_id)
        if to == sender:
            raise InvalidInput("You cannot send a message to yourself.", code="cannot_message_self")
        if not await self._user_exists(to):
            raise NotFound("The recipient does not exist.", code="recipient_not_found")
        await self._limits.take_send(sender)
        target = Target(
            conversation_id=direct_conversation_id(sender, to),
            type=ConversationType.DIRECT,
            members=(sender, to),
            peer=to,
        )
        return await self._writer.post(target, Draft(sender, text, retry_key=retry_key))

    async def history(
        self, username: str, page_size: int, page: int | None, before: uuid.UUID | None
    ) -> DirectHistoryPage:
        """One page of the caller's direct messages, newest first, with the exact total."""
        counts_task = asyncio.create_task(self._messages.users.bucket_counts(username))
        if before is not None:
            messages, more = await self._before(username, before, page_size)
        else:
            messages, more = await self._page(username, (page or 1) - 1, page_size, counts_task)
        total = sum(count for _, count in await counts_task)
        return DirectHistoryPage(
            messages=messages,
            page=None if before is not None else page or 1,
            page_size=page_size,
            total=total,
            next_cursor=messages[-1].id if more and messages else None,
        )

    async def _page(
        self,
        username: str,
        page_index: int,
        size: int,
        counts_task: asyncio.Task[list[tuple[int, int]]],
    ) -> tuple[list[Message], bool]:
        offset = page_index * size
        timeline = user_timeline(username)
        if offset + size < self._cache.max_len:
            cached = await self._cache.newest(timeline, offset, size + 1)
            if cached is None:
                await self._cache.ensure_filled(timeline, self._user_loader(username))
                cached = await self._cache.newest(timeline, offset, size + 1)
            if cached is not None and self._complete(cached.messages, cached.cached_count, size):
                return cached.messages[:size], len(cached.messages) > size
        return await self._by_offset(username, offset, size, await counts_task)

    async def _before(
        self, username: str, before: uuid.UUID, size: int
    ) -> tuple[list[Message], bool]:
        cached = await self._cache.before(user_timeline(username), before, size + 1)
        if cached is not None and self._complete(cached.messages, cached.cached_count, size):
            return cached.messages[:size], len(cached.messages) > size
        return await self._messages.users.newest(username, size, before=before)

    async def _by_offset(
        self, username: str, offset: int, size: int, counts: list[tuple[int, int]]
    ) -> tuple[list[Message], bool]:
        """Skip whole buckets by their counts, then the rest of the offset inside one."""
        for bucket, count in counts:
            if offset < count:
                if offset == 0:
                    return await self._messages.users.newest(username, size, top_bucket=bucket)
                last_skipped = await self._messages.users.nth_id(username, bucket, offset)
                if last_skipped is None:
                    break
                return await self._messages.users.newest(username, size, before=last_skipped)
            offset -= count
        return [], False

    def _complete(self, messages: list[Message], cached_count: int, size: int) -> bool:
        """A cached page can be trusted when it is full or the cache holds the whole history."""
        return len(messages) > size or cached_count < self._cache.max_len

    def _user_loader(self, username: str) -> Callable[[int], Awaitable[list[Message]]]:
        async def load(count: int) -> list[Message]:
            messages, _ = await self._messages.users.newest(username, count)
            return messages

        return load

    async def _user_exists(self, username: str) -> bool:
        """Accounts are never deleted, so a name once found stays found."""
        if username in self._known_users:
            return True
        if not validation.USERNAME.fullmatch(username) or not username.isascii():
            return False
        if await self._users.by_username(username) is None:
            return False
        if len(self._known_users) < 1_000_000:
            self._known_users.add(username)
        return True
