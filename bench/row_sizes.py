"""Bytes per message on disk (Cassandra) and in memory (Redis), measured, for docs/capacity.md.

    python -m bench.row_sizes cassandra   # own keyspace, known messages, flush, sizes, drop
    python -m bench.row_sizes redis --redis-url redis://127.0.0.1:6391/0   # a Redis you own

The Cassandra part writes a known number of messages through the service's own write path
(`MessageWriter` with its prepared statements, logged batch, counters and group fan-out;
the cache and the events are stubs) into a keyspace of its own (the name must start with
`chat_capacity`), makes Cassandra flush the memtables by setting `memtable_flush_period_in_ms`
on its tables (no JMX is open for nodetool), sums the SSTable files of each table under the
node's data directory, and drops the keyspace. The text of each message is random letters
(about 100 characters on average), which LZ4 barely compresses: a conservative figure.

The Redis part fills timelines of 500 messages through `TimelineCache` and counts rate
limit windows through `RateLimiter`, reading `used_memory` before and after; it also prints
the size of a published event. Point it only at a Redis that holds nothing of anyone's.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import string
import time
import uuid
from pathlib import Path

import orjson

MESSAGE_TABLES = (
    "messages_by_conversation",
    "messages_by_user",
    "conversation_bucket_index",
    "user_bucket_index",
    "conversation_bucket_counts",
    "user_bucket_counts",
    "conversations",
    "conversation_members",
    "conversations_by_user",
)
DATA_DIR = Path("/work/main/.data/dev/cassandra/node1/data")
IN_FLIGHT = 16


def text(rng: random.Random) -> str:
    """About 100 characters (uniform 20 to 180) of random lowercase words."""
    length, words = rng.randint(20, 180), list[str]()
    while sum(len(w) + 1 for w in words) < length:
        words.append("".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 9))))
    return " ".join(words)[:length]


class _NoCache:
    async def append(self, timelines: object, message: object) -> None:
        return None


class _NoEvents:
    async def publish(self, event: object) -> None:
        return None


async def measure_cassandra(args: argparse.Namespace) -> dict[str, object]:
    if not args.keyspace.startswith("chat_capacity"):
        raise SystemExit("refusing: the keyspace must be one of ours (chat_capacity...)")
    os.environ.update(APP_ENV="development", CASSANDRA_KEYSPACE=args.keyspace)
    from chat_service.domain.ids import TimeUuidFactory, direct_conversation_id
    from chat_service.domain.models import Conversation, ConversationType, Member, Role
    from chat_service.infra.caches import CacheRegistry
    from chat_service.infra.cassandra import CassandraSession
    from chat_service.infra.logging import configure_logging
    from chat_service.infra.migrations import migrate
    from chat_service.infra.settings import load_settings
    from chat_service.repos.conversations import ConversationRepository
    from chat_service.repos.messages import MessageRepository
    from chat_service.services.messaging import Draft, MessageWriter, Target

    settings = load_settings()
    configure_logging("WARNING", "json")  # stdout carries only the figures
    await migrate(settings)
    db = await CassandraSession.connect(settings, keyspace=args.keyspace)
    rng = random.Random(7)
    try:
        conversations = await ConversationRepository.create(db)
        caches = CacheRegistry()
        messages = await MessageRepository.create(
            db,
            conversations,
            known_buckets=caches.fifo("known_bucket_rows", 100_000),
            known_direct=caches.fifo("known_direct_conversations", 200_000),
        )
        writer = MessageWriter(
            messages,
            conversations,
            _NoCache(),  # type: ignore[arg-type]
            _NoEvents(),
            TimeUuidFactory(),
        )
        users = [f"user{n:07d}" for n in range(args.users)]
        gate = asyncio.Semaphore(IN_FLIGHT)

        async def send(target: Target, sender: str) -> None:
            async with gate:
                await writer.post(target, Draft(sender=sender, content=text(rng)))

        def direct(a: str, b: str) -> Target:
            cid = direct_conversation_id(a, b)
            return Target(cid, ConversationType.DIRECT, (a, b), peer=b)

        pairs = [rng.sample(users, 2) for _ in range(args.dms)]
        bot = "supportbot0001"
        sends = [send(direct(a, b), a) for a, b in pairs]
        sends += [send(direct(u, bot), u) for u in rng.choices(users, k=args.heavy_dms)]
        rooms = []
        for n in range(args.groups + 1):
            now = time.time_ns()
            room = Conversation(uuid.uuid4(), ConversationType.GROUP, f"room {n}", users[0],
                                False, now)  # fmt: skip
            members = rng.sample(users, args.group_size)
            await conversations.create_group(room, [Member(m, Role.MEMBER, now) for m in members])
            rooms.append((Target(room.id, ConversationType.GROUP, tuple(members)), members))
        for target, members in rooms[1:]:
            sends += [send(target, rng.choice(members)) for _ in range(args.group_messages)]
        heavy_room, heavy_members = rooms[0]
        sends += [send(heavy_room, rng.choice(heavy_members)) for _ in range(args.heavy_room)]
        rng.shuffle(sends)
        started = time.monotonic()
        await asyncio.gather(*sends)
        written_s = time.monotonic() - started
        for table in MESSAGE_TABLES:
            await db.execute(
                f"ALTER TABLE {args.keyspace}.{table} WITH memtable_flush_period_in_ms = 1000"
            )
        sizes = await _flushed_sizes(args.keyspace)
    finally:
        if not args.keep:
            await db.execute(f"DROP KEYSPACE IF EXISTS {args.keyspace}")
        await db.close()
    return {
        "direct_messages": args.dms + args.heavy_dms,
        "heavy_user_messages": args.heavy_dms,
        "group_messages": args.groups * args.group_messages + args.heavy_room,
        "heavy_room_messages": args.heavy_room,
        "group_size": args.group_size,
        "seconds_to_write": round(written_s, 1),
        "bytes_on_disk_by_table": sizes,
    }


async def _flushed_sizes(keyspace: str) -> dict[str, dict[str, int]]:
    """Each table's SSTable bytes by component, once every table's size stopped moving."""
    previous: dict[str, dict[str, int]] = {}
    for _ in range(60):
        await asyncio.sleep(3)
        sizes = {table: _components(keyspace, table) for table in MESSAGE_TABLES}
        if sizes == previous and all(sizes.values()):
            return sizes
        previous = sizes
    return previous


def _components(keyspace: str, table: str) -> dict[str, int]:
    totals: dict[str, int] = {}
    for directory in (DATA_DIR / keyspace).glob(f"{table}-*"):
        for path in directory.glob("*.db"):
            component = path.name.rsplit("-", 1)[-1]
            totals[component] = totals.get(component, 0) + path.stat().st_size
    return totals


async def measure_redis(args: argparse.Namespace) -> dict[str, object]:
    from redis.asyncio import Redis

    from chat_service.domain.events import Event, EventType
    from chat_service.domain.ids import TimeUuidFactory
    from chat_service.domain.models import Message
    from chat_service.infra.caches import CacheRegistry
    from chat_service.repos.cache.events import encode_event
    from chat_service.repos.cache.rate_limits import RateLimiter
    from chat_service.repos.cache.timelines import (
        TimelineCache,
        TimelineMemos,
        encode,
        remembered_page_bytes,
    )

    redis = Redis.from_url(args.redis_url)
    if await redis.dbsize():
        raise SystemExit("refusing: that Redis database is not empty")
    rng, ids = random.Random(7), TimeUuidFactory()
    caches = CacheRegistry()
    cache = TimelineCache(
        redis,
        TimelineMemos(
            decoded=caches.fifo("decoded_messages", 20_000),
            floors=caches.fifo("timeline_floors", 100_000),
            pages=caches.lru("timeline_pages", 16 * 2**20, remembered_page_bytes),
        ),
    )

    def message(conversation: uuid.UUID) -> Message:
        return Message(id=ids.new(), conversation_id=conversation, sender="user0000001",
                       recipient="user0000002", content=text(rng))  # fmt: skip

    async def used() -> int:
        return int((await redis.info("memory"))["used_memory"])

    try:
        before = await used()
        for _ in range(args.timelines):
            conversation = uuid.uuid4()
            batch = [message(conversation) for _ in range(cache.max_len)]

            async def load(limit: int, batch: list[Message] = batch) -> list[Message]:
                return batch[:limit]

            await cache.ensure_filled(f"c:{conversation}", load)
        per_timeline = (await used() - before) / args.timelines
        sample = message(uuid.uuid4())
        limiter, before = RateLimiter(redis), await used()
        for n in range(args.rate_users):
            await limiter.take(f"send:user{n:07d}", [(60, 60), (1000, 86400)], int(time.time()))
        per_user_limits = (await used() - before) / args.rate_users
        group = tuple(f"user{n:07d}" for n in range(args.group_size))
        event = Event(EventType.MESSAGE_CREATED, group, sample.conversation_id, message=sample)
        direct = Event(EventType.MESSAGE_CREATED, ("user0000001", "user0000002"),
                       sample.conversation_id, message=sample)  # fmt: skip
        return {
            "timelines": args.timelines,
            "bytes_per_timeline_of_500": round(per_timeline),
            "encoded_message_bytes": len(encode(sample)),
            "rate_limit_bytes_per_user_two_windows": round(per_user_limits),
            "event_bytes_direct": len(encode_event(direct)),
            f"event_bytes_group_of_{args.group_size}": len(encode_event(event)),
        }
    finally:
        await redis.flushdb()
        await redis.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parts = parser.add_subparsers(dest="part", required=True)
    cql = parts.add_parser("cassandra")
    cql.add_argument("--keyspace", default="chat_capacity_measure")
    cql.add_argument("--users", type=int, default=500)
    cql.add_argument("--dms", type=int, default=20_000)
    cql.add_argument("--heavy-dms", type=int, default=5_000, help="to one support bot")
    cql.add_argument("--groups", type=int, default=40)
    cql.add_argument("--group-size", type=int, default=50)
    cql.add_argument("--group-messages", type=int, default=100)
    cql.add_argument("--heavy-room", type=int, default=2_000)
    cql.add_argument("--keep", action="store_true", help="do not drop the keyspace")
    red = parts.add_parser("redis")
    red.add_argument("--redis-url", required=True)
    red.add_argument("--timelines", type=int, default=200)
    red.add_argument("--rate-users", type=int, default=10_000)
    red.add_argument("--group-size", type=int, default=50)
    args = parser.parse_args()
    measure = measure_cassandra if args.part == "cassandra" else measure_redis
    print(orjson.dumps(asyncio.run(measure(args)), option=orjson.OPT_INDENT_2).decode())


if __name__ == "__main__":
    main()
