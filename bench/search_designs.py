"""The two storage designs for message search, measured on the same bench-like history.

    .venv/bin/python -m bench.search_designs --keyspace chat_search_designs [--days 21 ...]

(a) `set<text>` terms on the message row with an SAI index, read per conversation and day
    bucket (`terms CONTAINS ? AND ...`); Cassandra 5.0 has no analyzers and no LIKE on a
    set, so a prefix can only be matched by storing every prefix of every term.
(b) the service's term table (`repos/search_index.py`): rows keyed by (scope, 7-day window,
    first two characters), a whole word one clustering key, a prefix one clustering range;
    the messages are then read back by id, one read per day bucket (`TimelineStore.get_many`).

One conversation gets `--days` days of `--per-day` messages (Zipf-distributed words from a
vocabulary of 3,000, some URLs and file names), through the service's own writes for (b).
Each query runs `--repeats` times; the figures are medians, with the number of statements
(partition reads) each query cost. The keyspace (its name must start with `chat_search`)
is created with the migrations and dropped at the end. The machine is shared: short runs,
figures to compare the two designs with each other, not absolute latencies.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import random
import statistics
import string
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

NS_PER_DAY = 86_400 * 10**9
IN_FLIGHT = 32


def vocabulary(rng: random.Random) -> list[str]:
    words = {"deploying", "deployment", "report", "release", "cafe", "meeting"}
    while len(words) < 3000:
        words.add("".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 10))))
    return sorted(words, key=lambda w: rng.random())


def message_text(rng: random.Random, vocab: list[str], weights: list[float]) -> str:
    words = rng.choices(vocab, weights, k=rng.randint(4, 20))
    if rng.random() < 0.05:
        words.append(
            f"https://docs.example{rng.randint(1, 50)}.com/guides/setup_{rng.randint(1, 9)}"
        )
    if rng.random() < 0.05:
        words.append(f"q{rng.randint(1, 4)}_report_{rng.randint(1, 99)}.pdf")
    return " ".join(words)


def prefixes(terms: list[str]) -> set[str]:
    """Design (a) answers a prefix only if the prefix itself is stored."""
    return {term[:end] for term in terms for end in range(2, len(term) + 1)}


class Counting:
    """A session that counts the statements it runs (each a partition read or write)."""

    def __init__(self, db: Any) -> None:
        self._db = db
        self.statements = 0

    async def prepare(self, cql: str) -> Any:
        return await self._db.prepare(cql)

    async def execute(self, statement: Any, params: Any = None, **options: Any) -> list[Any]:
        self.statements += 1
        return await self._db.execute(statement, params, **options)


DESIGN_A = [
    "CREATE TABLE IF NOT EXISTS {ks}.design_a_messages (conversation_id uuid, bucket int, "
    "message_id timeuuid, sender text, content text, terms set<text>, "
    "PRIMARY KEY ((conversation_id, bucket), message_id)) "
    "WITH CLUSTERING ORDER BY (message_id DESC)",
    "CREATE CUSTOM INDEX IF NOT EXISTS design_a_terms ON {ks}.design_a_messages (values(terms)) "
    "USING 'StorageAttachedIndex'",
]


async def run(args: argparse.Namespace) -> None:
    if not args.keyspace.startswith("chat_search"):
        raise SystemExit("refusing: the keyspace must be one of ours (chat_search...)")
    os.environ.update(APP_ENV="development", CASSANDRA_KEYSPACE=args.keyspace)
    from chat_service.domain.ids import TimeUuidFactory, day_bucket
    from chat_service.domain.models import Message
    from chat_service.domain.search import message_terms, parse_query
    from chat_service.infra.caches import CacheRegistry
    from chat_service.infra.cassandra import CassandraSession
    from chat_service.infra.logging import configure_logging
    from chat_service.infra.migrations import migrate
    from chat_service.infra.settings import load_settings
    from chat_service.repos.conversations import ConversationRepository
    from chat_service.repos.messages import MessageRepository
    from chat_service.repos.search_index import SearchIndex

    settings = load_settings()
    configure_logging("WARNING", "json")
    await migrate(settings)
    raw = await CassandraSession.connect(settings, keyspace=args.keyspace)
    db = Counting(raw)
    rng = random.Random(18)
    vocab = vocabulary(rng)
    weights = [1 / (rank + 1) for rank in range(len(vocab))]
    try:
        for cql in DESIGN_A:
            await raw.execute(cql.format(ks=args.keyspace))
        caches = CacheRegistry()
        messages = await MessageRepository.create(
            raw,
            await ConversationRepository.create(raw),
            known_buckets=caches.fifo("known_bucket_rows", 100_000),
            known_direct=caches.fifo("known_direct_conversations", 1_000),
        )
        index = await SearchIndex.create(db, caches.fifo("known_search_windows", 1_000))  # type: ignore[arg-type]
        insert_a = await raw.prepare(
            "INSERT INTO design_a_messages (conversation_id, bucket, message_id, sender, "
            "content, terms) VALUES (?, ?, ?, ?, ?, ?)"
        )
        conversation = uuid.uuid4()
        scope = f"c:{conversation}"
        ids = TimeUuidFactory()
        start = time.time_ns() - args.days * NS_PER_DAY
        step = NS_PER_DAY // args.per_day
        history = [
            Message(ids.new(start + n * step), conversation, "ann", None,
                    message_text(rng, vocab, weights))
            for n in range(args.days * args.per_day)
        ]  # fmt: skip
        gate = asyncio.Semaphore(IN_FLIGHT)
        rows = {"a": 0, "b": 0}
        spent = {"a": 0.0, "b": 0.0}

        async def write(message: Message) -> None:
            terms = message_terms(message.content)
            async with gate:
                await messages.store(message)
                began = time.perf_counter()
                await index.add([scope], message.id, terms, 0)
                spent["b"] += time.perf_counter() - began
                began = time.perf_counter()
                await raw.execute(insert_a, (conversation, day_bucket(message.id), message.id,
                                             "ann", message.content, prefixes(terms)))  # fmt: skip
                spent["a"] += time.perf_counter() - began
            rows["a"] += len(prefixes(terms))
            rows["b"] += len(terms)

        began = time.monotonic()
        await asyncio.gather(*(write(m) for m in history))
        print(f"seeded {len(history)} messages over {args.days} days in "
              f"{time.monotonic() - began:.0f} s")  # fmt: skip
        n = len(history)
        print(
            f"(a) {rows['a'] / n:.1f} set elements a message, "
            f"{1000 * spent['a'] / n:.2f} ms a write (row + SAI)"
        )
        print(f"(b) {rows['b'] / n:.1f} term rows a message, "
              f"{1000 * spent['b'] / n:.2f} ms a write (a statement per partition)")  # fmt: skip

        buckets = sorted({day_bucket(m.id) for m in history}, reverse=True)
        selects: dict[int, Any] = {}

        async def design_a(words: list[str], limit: int) -> int:
            """Walks the day buckets newest first (the bucket list is one more read)."""
            if len(words) not in selects:
                contains = " AND ".join(["terms CONTAINS ?"] * len(words))
                selects[len(words)] = await raw.prepare(
                    "SELECT message_id, content FROM design_a_messages WHERE conversation_id = ? "
                    f"AND bucket = ? AND {contains} LIMIT ?"
                )
            db.statements += 1
            found = 0
            for bucket in buckets:
                db.statements += 1
                got = await raw.execute(selects[len(words)], (conversation, bucket, *words, limit))
                found += len(got)
                if found >= limit:
                    break
            return found

        async def design_b(q: str, limit: int) -> int:
            hits = await index.find(scope, parse_query(q), None, limit + 1)
            wanted = hits.ids[: limit + 1]
            db.statements += len({day_bucket(i) for i in wanted})  # one read per day bucket
            await messages.conversations.get_many(conversation, wanted)
            return min(len(wanted), limit)

        counts: dict[str, int] = {}
        for message in history:
            for term in set(message_terms(message.content)):
                counts[term] = counts.get(term, 0) + 1
        ranked = sorted((c, t) for t, c in counts.items() if len(t) > 4 and "." not in t)
        common, rare, mid = ranked[-1][1], ranked[len(ranked) // 50][1], ranked[len(ranked) // 2][1]
        queries = {
            f"common word ({counts[common]} hits)": common,
            f"rare word ({counts[rare]} hits)": rare,
            f"prefix of a mid word ({mid[:3]}*)": mid[:3],
            f"two words ({mid} {common})": f"{mid} {common}",
            "absent word": "zzzzzz",
            "host in URLs (example7.com)": "example7.com",
        }
        columns = "".join(f"{c:>6}" for c in ("reads", "found"))
        title = f"query (first page of {args.limit})"
        print(f"\n{title:<44}{'(a) ms':>8}{columns}{'(b) ms':>9}{columns}")
        for name, q in queries.items():
            query = parse_query(q)
            words = [*query.words, query.prefix]
            row = f"{name:<44}"
            row += await _measure(db, functools.partial(design_a, words, args.limit), args.repeats)
            row += " " + await _measure(
                db, functools.partial(design_b, q, args.limit), args.repeats
            )
            print(row)
    finally:
        if not args.keep:
            await _drop(raw, args.keyspace)
        await raw.close()


async def _measure(db: Counting, call: Callable[[], Awaitable[int]], repeats: int) -> str:
    """Median milliseconds, statements, and messages found of `repeats` calls."""
    times, reads, found = [], 0, 0
    for _ in range(repeats):
        db.statements = 0
        began = time.perf_counter()
        found = await call()
        times.append(1000 * (time.perf_counter() - began))
        reads = db.statements
    return f"{statistics.median(times):>8.1f}{reads:>6}{found:>6}"


async def _drop(db: Any, keyspace: str) -> None:
    """Schema changes time out now and then on a busy node: a few tries."""
    for attempt in range(5):
        try:
            await db.execute(f"DROP KEYSPACE IF EXISTS {keyspace}")
            return
        except Exception:  # the driver's timeout, wrapped as StoreUnavailable
            if attempt == 4:
                raise
            await asyncio.sleep(2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keyspace", default="chat_search_designs")
    parser.add_argument("--days", type=int, default=21)
    parser.add_argument("--per-day", type=int, default=500)
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="do not drop the keyspace")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
