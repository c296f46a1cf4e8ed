"""Totals and page numbers from the buckets' tallies (no counters): every numbered page a
full scan's slice, across bucket boundaries, with deleted messages, while messages arrive,
and after a message stored late under an old id; and the tallies each read keeps."""

import asyncio
import time
import uuid

import pytest
from aiohttp.test_utils import TestClient

from chat_service.domain.ids import (
    NS_PER_DAY,
    TimeUuidFactory,
    day_bucket,
    direct_conversation_id,
    epoch_ns,
)
from chat_service.domain.models import Message
from chat_service.infra.cassandra import CassandraSession
from chat_service.infra.settings import Settings
from chat_service.repos.bucket_tallies import (
    ANCHOR_EVERY,
    KEEP_EVERY,
    SETTLE_NS,
    BucketTallies,
)
from chat_service.repos.messages import MessageRepository
from tests.integration.api import API, bearer, login, new_user, register, send_dm
from tests.integration.message_seeding import message_repository, store_direct

# Messages per day, oldest first, ending today: an empty day, a day of one message, days
# longer than the cache (500) and than several anchors.
PER_DAY = [130, 0, 1, 420, 260, 150]
CACHE = 500  # CACHE_HISTORY_SIZE: numbered pages past it come from Cassandra


def _page_numbers(size: int, total: int) -> list[int]:
    """Every page that starts past the cache, up to one past the end."""
    first = CACHE // size + 1
    return list(range(first, total // size + 2))


@pytest.fixture(scope="module")
async def history(client: TestClient, migrated: Settings):
    """Ann's direct messages with Bob over the days of PER_DAY (some deleted), written
    through the repository; yields what the tests need."""
    ann, headers = await new_user(client, "tally")
    bob = await register(client)
    factory = TimeUuidFactory()
    conversation = direct_conversation_id(ann, bob)
    today_ns = time.time_ns()
    messages = []
    for days_ago, count in zip(range(len(PER_DAY) - 1, -1, -1), PER_DAY, strict=True):
        start_ns = today_ns - days_ago * NS_PER_DAY - 3_600 * 10**9 if days_ago else today_ns
        for n in range(count):
            at = start_ns - (count - n) * 10**9 if days_ago else start_ns - (count - n) * 10**7
            messages.append(
                Message(
                    id=factory.new(at),
                    conversation_id=conversation,
                    sender=ann if n % 2 else bob,
                    recipient=bob if n % 2 else ann,
                    content=f"day -{days_ago} #{n}",
                )
            )
    async with message_repository(migrated) as (db, repo):
        await store_direct(repo, messages, at_once=32)
        for message in messages[5::97]:  # deleted messages keep their place
            await repo.soft_delete(message, (message.sender, message.recipient))
        yield {"ann": ann, "bob": bob, "headers": headers, "repo": repo, "db": db}


async def _scan(repo: MessageRepository, ann: str) -> list[str]:
    """Every id of Ann's direct messages, newest first, by cursor from Cassandra."""
    seen: list[str] = []
    before = None
    while True:
        page, more = await repo.users.newest(ann, 100, before=before)
        seen += [str(m.id) for m in page]
        if not more:
            return seen
        before = page[-1].id


async def _numbered(client: TestClient, headers: dict[str, str], number: int, size: int) -> dict:
    response = await client.get(
        f"{API}/messages", params={"page": str(number), "page_size": str(size)}, headers=headers
    )
    assert response.status == 200, await response.text()
    return await response.json()


@pytest.mark.parametrize("size", [7, 20, 64, 100])
async def test_every_deep_page_is_the_full_scans_slice(client: TestClient, history, size) -> None:
    ids = await _scan(history["repo"], history["ann"])
    assert len(ids) == sum(PER_DAY)
    for number in _page_numbers(size, len(ids)):
        body = await _numbered(client, history["headers"], number, size)
        start = (number - 1) * size
        assert [m["id"] for m in body["messages"]] == ids[start : start + size], number
        assert body["pagination"]["totalMessages"] == len(ids)


async def test_closed_buckets_keep_their_tallies_and_anchors(history) -> None:
    """Counted once and kept; the seed's own writes were late (old ids), so the reader's
    clock is moved past the settle time they hold tallies off for."""
    ann = history["ann"]
    tallies = await _reader_settled_now(history["db"])
    await tallies.read(ann)  # the first read counts and keeps the closed days
    again = await tallies.read(ann)
    db = history["db"]
    rows = await db.execute(
        await db.prepare(
            "SELECT bucket, messages, counted_ns, anchors FROM user_bucket_index WHERE username = ?"
        ),
        (ann,),
    )
    kept = {row.bucket: row for row in rows if row.counted_ns is not None}
    today = time.time_ns() // NS_PER_DAY
    closed = [n for n in PER_DAY[:-1] if n]
    assert sorted(row.messages for b, row in kept.items() if b < today) == sorted(closed)
    for tally in again:
        if tally.bucket < today:
            assert tally.kept == tally.messages and tally.tail == ()
            assert len(kept[tally.bucket].anchors) == -(-tally.messages // ANCHOR_EVERY)


async def test_pages_stay_slices_while_messages_arrive(client: TestClient, history) -> None:
    ann, bob, headers = history["ann"], history["bob"], history["headers"]
    size, numbers = 20, [26, 30, 33, 40, 45]
    bob_headers = bearer((await login(client, bob))["token"])
    arriving = [send_dm(client, bob_headers, ann, f"meanwhile {n}") for n in range(10)]
    reading = [_numbered(client, headers, number, size) for number in numbers]
    results = await asyncio.gather(*arriving, *reading)
    pages = results[len(arriving) :]
    ids = await _scan(history["repo"], ann)
    for number, body in zip(numbers, pages, strict=True):
        got = [m["id"] for m in body["messages"]]
        start = (number - 1) * size
        shifts = [d for d in range(len(arriving) + 1) if ids[start + d : start + d + size] == got]
        assert shifts, number  # a slice of the final history, shifted by arrivals counted


async def test_a_message_stored_late_is_counted_in_its_place(client: TestClient, history) -> None:
    repo, ann, bob = history["repo"], history["ann"], history["bob"]
    await repo.users.tallies(ann)  # kept
    before = await _scan(repo, ann)
    middle = uuid.UUID(before[len(before) - 60])  # in the oldest day, kept whole
    late = Message(
        id=TimeUuidFactory().new(epoch_ns(middle) - 1_000),  # a fresh factory goes back
        conversation_id=direct_conversation_id(ann, bob),
        sender=bob,
        recipient=ann,
        content="a retry stored late",
    )
    assert day_bucket(late.id) == day_bucket(middle)
    await repo.store(late, (bob, ann))
    ids = await _scan(repo, ann)
    assert len(ids) == len(before) + 1
    for number in _page_numbers(50, len(ids)):
        body = await _numbered(client, history["headers"], number, 50)
        start = (number - 1) * 50
        assert [m["id"] for m in body["messages"]] == ids[start : start + 50], number
        assert body["pagination"]["totalMessages"] == len(ids)


async def test_the_current_bucket_is_kept_once_settled(history) -> None:
    """A reader for whom every message so far has settled keeps today's tally, and the
    next read answers positions inside it from its anchors."""
    db, ann = history["db"], history["ann"]
    today = time.time_ns() // NS_PER_DAY
    oldest_first = [
        uuid.UUID(i)
        for i in reversed(await _scan(history["repo"], ann))
        if day_bucket(uuid.UUID(i)) == today
    ]
    tallies = await _reader_settled_now(db)
    await tallies.read(ann)
    kept = {t.bucket: t for t in await tallies.read(ann)}[today]
    assert kept.messages == len(oldest_first) and kept.kept >= KEEP_EVERY
    assert len(kept.tail) == kept.messages - kept.kept < KEEP_EVERY  # kept in steps
    edges = (0, 1, ANCHOR_EVERY - 1, ANCHOR_EVERY, ANCHOR_EVERY + 5, kept.kept - 1, kept.kept)
    for position in (*edges, kept.messages - 1):
        assert await tallies.id_at(ann, kept, position) == oldest_first[position]
    assert await tallies.id_at(ann, kept, kept.messages) is None


async def _reader_settled_now(db: CassandraSession) -> BucketTallies:
    """Tallies read with a clock `SETTLE_NS` ahead (less a millisecond): they keep what is
    stored now, at a write time just before now."""
    ahead = SETTLE_NS - 1_000_000
    return await BucketTallies.create(
        db,
        "messages_by_user",
        "username",
        "user_bucket_index",
        clock_ns=lambda: time.time_ns() + ahead,
    )
