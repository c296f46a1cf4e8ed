"""Paging by cursor through a history spread thinly over day buckets, some of them empty:
every page, whatever its size and wherever a bucket ends, continues exactly."""

import time
import uuid

import pytest

from chat_service.domain.ids import NS_PER_DAY, TimeUuidFactory
from chat_service.domain.models import Message
from chat_service.infra.settings import Settings
from chat_service.repos.messages import MessageRepository
from tests.integration.message_seeding import message_repository

# Messages per day, oldest day first: empty days between, a day holding one message.
PER_DAY = [3, 0, 1, 0, 0, 4, 2]


@pytest.fixture(scope="module")
async def history(migrated: Settings) -> tuple[MessageRepository, uuid.UUID, list[uuid.UUID]]:
    """A conversation's messages over the days of PER_DAY; ids newest first."""
    factory = TimeUuidFactory()
    conversation = uuid.uuid4()
    first_day_ns = time.time_ns() - len(PER_DAY) * NS_PER_DAY
    ids = []
    async with message_repository(migrated) as (_, repo):
        for day, count in enumerate(PER_DAY):
            for n in range(count):
                message = Message(
                    id=factory.new(first_day_ns + day * NS_PER_DAY + n * 1_000_000),
                    conversation_id=conversation,
                    sender="ann",
                    recipient=None,
                    content=f"day {day} #{n}",
                )
                await repo.store(message)
                ids.append(message.id)
        yield repo, conversation, ids[::-1]


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 10, 11])
async def test_cursor_pages_cover_the_history_exactly(history, size: int) -> None:
    repo, conversation, newest_first = history
    seen: list[uuid.UUID] = []
    before = None
    while True:
        page, more = await repo.conversations.newest(conversation, size, before=before)
        assert len(page) == size or not more
        seen += [message.id for message in page]
        if not more:
            break
        before = page[-1].id
    assert seen == newest_first


async def test_a_page_from_a_named_bucket_reads_down_from_it(history) -> None:
    repo, conversation, newest_first = history
    newest = (await repo.conversations.tallies(conversation))[0]
    newest_bucket, newest_count = newest.bucket, newest.messages

    page, more = await repo.conversations.newest(conversation, 5, top_bucket=newest_bucket - 1)

    assert [message.id for message in page] == newest_first[newest_count : newest_count + 5]
    assert more
