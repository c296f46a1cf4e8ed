"""Histories written straight through the message repository, for tests that need more
messages, or older ones, than posting them over HTTP would allow."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

from chat_service.domain.models import Message
from chat_service.infra.caches import CacheRegistry
from chat_service.infra.cassandra import CassandraSession
from chat_service.infra.settings import Settings
from chat_service.repos.conversations import ConversationRepository
from chat_service.repos.messages import MessageRepository


@asynccontextmanager
async def message_repository(
    settings: Settings,
) -> AsyncIterator[tuple[CassandraSession, MessageRepository]]:
    """A session on the test keyspace and a message repository over it, as the app builds
    them (with small caches of its own); the session is closed on the way out."""
    db = await CassandraSession.connect(settings, keyspace=settings.cassandra_keyspace)
    try:
        caches = CacheRegistry()
        repo = await MessageRepository.create(
            db,
            await ConversationRepository.create(db),
            known_buckets=caches.fifo("known_bucket_rows", 1_000),
            known_direct=caches.fifo("known_direct_conversations", 1_000),
        )
        yield db, repo
    finally:
        await db.close()


async def store_direct(repo: MessageRepository, messages: Iterable[Message], at_once: int) -> None:
    """Direct messages, each with its sender's and recipient's copies, `at_once` at a time."""
    semaphore = asyncio.Semaphore(at_once)

    async def store(message: Message) -> None:
        assert message.recipient is not None
        async with semaphore:
            await repo.store(message, (message.sender, message.recipient))

    await asyncio.gather(*(store(message) for message in messages))
