"""Direct messages: sending (idempotent with a client message id) and the caller's history
of every direct message sent or received, paged by page number or by cursor."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from chat_service.domain import validation
from chat_service.domain.errors import InvalidInput, NotFound
from chat_service.domain.ids import direct_conversation_id
from chat_service.domain.models import ConversationType, Message
from chat_service.repos.cache.timelines import CachedPage, TimelineCache, user_timeline
from chat_service.repos.messages import MessageRepository
from chat_service.repos.users import UserRepository
from chat_service.services.limits import Limits
from chat_service.services.messaging import Draft, MessageWriter, Target


class KnownUsers(Protocol):
    """Usernames found already: a bounded set (`infra.caches.CacheRegistry.fifo`)."""

    def __contains__(self, username: str) -> bool: ...

    def __setitem__(self, username: str, found: bool) -> None: ...


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
        known_users: KnownUsers,
    ) -> None:
        self._users = users
        self._messages = messages
        self._cache = cache
        self._writer = writer
        self._limits = limits
        self._known_users = known_users

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
        """One page of the caller's direct messages, newest first, with the total."""
        offset = ((page or 1) - 1) * page_size
        cached = await self._cached_page(username, before, offset, page_size)
        counts: list[tuple[int, int]] | None = None
        if cached is not None and (cached.more or cached.cached_count < self._cache.max_len):
            messages, more = cached.messages, cached.more
        elif before is not None:  # the page and the counters (for the total) at once
            (messages, more), counts = await asyncio.gather(
                self._messages.users.newest(username, page_size, before=before),
                self._messages.users.bucket_counts(username),
            )
        else:
            counts = await self._messages.users.bucket_counts(username)
            messages, more = await self._by_offset(username, offset, page_size, counts)
        return DirectHistoryPage(
            messages=messages,
            page=None if before is not None else page or 1,
            page_size=page_size,
            total=await self._total(username, cached, counts),
            next_cursor=messages[-1].id if more and messages else None,
        )

    async def _cached_page(
        self, username: str, before: uuid.UUID | None, offset: int, size: int
    ) -> CachedPage | None:
        """The page from the cache, filling an absent timeline; None when the page lies
        beyond what the cache holds."""
        timeline = user_timeline(username)
        if before is not None:
            return await self._cache.before(timeline, before, size)
        if offset + size >= self._cache.max_len:
            return None
        return await self._cache.newest(timeline, offset, size, self._user_loader(username))

    async def _total(
        self, username: str, cached: CachedPage | None, counts: list[tuple[int, int]] | None
    ) -> int:
        """The sum of Cassandra's counters, which the cache remembers for a few seconds (and
        advances by each message appended since), so busy readers do not count every time."""
        if cached is not None and cached.total is not None:
            return cached.total
        if counts is None:
            counts = await self._messages.users.bucket_counts(username)
        total = sum(count for _, count in counts)
        if cached is not None:
            await self._cache.remember_total(user_timeline(username), total, cached)
        return total

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
        self._known_users[username] = True
        return True
