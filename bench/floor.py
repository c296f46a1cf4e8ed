"""The cheapest send this stack can make, its parts measured alone: what issue 21's CPU
and throughput targets are set against.

    .venv/bin/python -m bench.floor --duration 8     # Cassandra and Redis running

Each part runs in this process with 64 in flight, so its CPU is this process's (user and
system, all threads); Cassandra's and Redis's are read from /proc beside it (`bench.cpu`).

- `http`: aiohttp answering the send's POST (the bench's body and bearer header, from
  `bench/wrk/scenario.lua`) with a 201 and a message-sized JSON answer, and nothing else:
  no validation, no token check, no store. wrk's own CPU is reported apart.
- `store`: the send's Cassandra work through the real repositories, without HTTP:
  `MessageRepository.store` of a direct message (both copies, both list rows, the
  sender's read marker, the change-log row: one logged batch), then its search rows.
- `redis`: the send's two Redis round trips through the real clients: the rate limit
  (`RateLimiter.take`) and the follow-up pipeline (`SendFollowUp.sent`: the cached
  copies' append and the shard publish).

Their sum is what a send costs when none of our own code runs between these calls;
`make bench`'s send_dm costs more by what ours adds. Figures: bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import tempfile
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from bench import cpu
from bench.loadgen import WRK_SCRIPT, lua_literal
from bench.run import RESULTS
from chat_service.component_settings import timeline_memos
from chat_service.domain.events import Event, EventType
from chat_service.domain.ids import TimeUuidFactory, direct_conversation_id, epoch_ns
from chat_service.domain.models import Message
from chat_service.domain.search import message_terms
from chat_service.infra.caches import CacheRegistry
from chat_service.infra.cassandra import CassandraSession
from chat_service.infra.migrations import migrate
from chat_service.infra.redis import connect_redis, connect_subscriber
from chat_service.infra.settings import Settings, load_settings
from chat_service.repos.cache.events import EventBus
from chat_service.repos.cache.rate_limits import RateLimiter
from chat_service.repos.cache.sends import SendFollowUp
from chat_service.repos.cache.timelines import TimelineCache
from chat_service.repos.cache.typing import TypingRegistry
from chat_service.repos.changes import ChangeLogRepository
from chat_service.repos.conversations import ConversationRepository
from chat_service.repos.messages import MessageRepository
from chat_service.repos.search_index import SearchIndex
from chat_service.services.messaging import timelines_of
from chat_service.services.search import scopes_of

IN_FLIGHT = 64
PORT = 8109
USERS = [f"floor{n:03d}" for n in range(100)]
CONTENT = "x" * 100  # the bench's send_dm content


def _cpu_s(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


async def _measure(seconds: float, run: Callable[[float], Awaitable[int]]) -> dict[str, float]:
    """`run(seconds)` (returning how many sends it made) with the CPU of each process per send."""
    pids = cpu.stack_pids(os.getpid())
    before = cpu.snapshot(pids)
    own, children = _cpu_s(resource.RUSAGE_SELF), _cpu_s(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    sends = await run(seconds)
    elapsed = time.monotonic() - start
    costs = cpu.cost(before, cpu.snapshot(pids), sends)["cpu_ms_per_request"]
    assert isinstance(costs, dict)
    return {
        "sends_per_s": round(sends / elapsed),
        "python_ms": round((_cpu_s(resource.RUSAGE_SELF) - own) * 1000 / sends, 3),
        "wrk_ms": round((_cpu_s(resource.RUSAGE_CHILDREN) - children) * 1000 / sends, 3),
        "cassandra_ms": costs.get("cassandra", 0.0),
        "redis_ms": costs.get("redis", 0.0),
    }


async def _in_flight(seconds: float, send: Callable[[int], Awaitable[None]]) -> int:
    """`send(n)` for n = 0, 1, 2 ... with IN_FLIGHT at a time, for `seconds`: how many."""
    deadline = time.monotonic() + seconds
    count = 0

    async def worker(n: int) -> None:
        nonlocal count
        while time.monotonic() < deadline:
            await send(n)
            count += 1
            n += IN_FLIGHT

    await asyncio.gather(*(worker(n) for n in range(IN_FLIGHT)))
    return count


def _message(ids: TimeUuidFactory, n: int) -> Message:
    sender, recipient = USERS[n % len(USERS)], USERS[(n * 7 + 1) % len(USERS)]
    if sender == recipient:
        recipient = USERS[(n + 1) % len(USERS)]
    return Message(
        id=ids.new(),
        conversation_id=direct_conversation_id(sender, recipient),
        sender=sender,
        recipient=recipient,
        content=CONTENT,
    )


def _created(ids: TimeUuidFactory, message: Message) -> Event:
    members = (message.sender, message.recipient or message.sender)
    return Event(
        EventType.MESSAGE_CREATED, members, message.conversation_id, message=message,
        change_id=ids.new(),
    )  # fmt: skip


async def http_part(seconds: float) -> int:
    async def send(request: web.Request) -> web.Response:
        body = json.loads(await request.read())
        answer = {
            "id": "2b0c5e2e-8f6e-11ef-8000-000000000000", "conversationId": "c", "sender": "s",
            "recipient": body["recipient"], "content": body["content"],
            "createdAt": "2026-12-02T00:00:00.000Z", "kind": "message",
        }  # fmt: skip
        return web.json_response(answer, status=201)

    app = web.Application()
    app.router.add_post("/api/v1/messages/send", send)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", PORT).start()
    data = {"mode": "send_dm", "users": [[name, "token"] for name in USERS]}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(f"return {lua_literal(data)}\n")
    try:
        wrk = await asyncio.create_subprocess_exec(
            "wrk", "-t1", f"-c{IN_FLIGHT}", f"-d{round(seconds)}s", "-s", str(WRK_SCRIPT),
            f"http://127.0.0.1:{PORT}", "--", lua.name, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        output, _ = await wrk.communicate()
    finally:
        os.unlink(lua.name)
        await runner.cleanup()
    return int(json.loads(output.decode().strip().splitlines()[-1])["requests"])


async def store_part(settings: Settings, seconds: float) -> int:
    db = await CassandraSession.connect(settings, keyspace=settings.cassandra_keyspace)
    caches = CacheRegistry()
    messages = await MessageRepository.create(
        db,
        await ConversationRepository.create(db),
        known_buckets=caches.fifo("known_bucket_rows", 100_000),
        known_direct=caches.fifo("known_direct_conversations", 100_000),
        changes=await ChangeLogRepository.create(db),
    )
    index = await SearchIndex.create(db, caches.fifo("known_search_windows", 10_000))
    ids = TimeUuidFactory()

    async def send(n: int) -> None:
        message = _message(ids, n)
        pair = (message.sender, message.recipient or "")
        await messages.store(
            message, pair, activity_for=pair, read_marker_for=message.sender,
            direct_between=pair, change=_created(ids, message),
        )  # fmt: skip
        terms = message_terms(message.content)
        await index.add(scopes_of(message), message.id, terms, epoch_ns(message.id) // 1000)

    try:
        return await _in_flight(seconds, send)
    finally:
        await db.close()


async def redis_part(settings: Settings, seconds: float) -> int:
    redis = connect_redis(settings)
    bus = EventBus(redis, connect_subscriber(settings), shards=settings.event_shards)
    cache = TimelineCache(
        redis, timeline_memos(CacheRegistry(), settings), max_len=settings.cache_history_size
    )
    follow_up = SendFollowUp(redis, cache, bus, TypingRegistry(redis))
    limiter = RateLimiter(redis)
    ids = TimeUuidFactory()
    windows = [(1_000_000, 60), (10_000_000, 86_400)]

    async def send(n: int) -> None:
        message = _message(ids, n)
        await limiter.take(f"send:{message.sender}", windows, int(time.time()))
        await follow_up.sent(timelines_of(message), _created(ids, message), None)

    try:
        return await _in_flight(seconds, send)
    finally:
        await redis.aclose()


async def main_async(seconds: float) -> dict[str, dict[str, float]]:
    os.environ.setdefault("APP_ENV", "development")
    os.environ.setdefault("CASSANDRA_KEYSPACE", "chat_floor")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/4")
    settings = load_settings()
    await migrate(settings)
    parts = {
        "http": http_part,
        "store": lambda s: store_part(settings, s),
        "redis": lambda s: redis_part(settings, s),
    }
    results = {}
    for name, part in parts.items():
        await part(min(seconds, 3))  # warm-up: connections, prepared statements, JIT
        results[name] = await _measure(seconds, part)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=float, default=8, help="seconds per part")
    args = parser.parse_args()
    results = asyncio.run(main_async(args.duration))
    print("| part | sends/s | ms of CPU per send: Python | Cassandra | Redis | wrk |")
    print("|---|---|---|---|---|---|")
    for name, row in results.items():
        print(
            f"| {name} | {row['sends_per_s']:,.0f} | {row['python_ms']} | "
            f"{row['cassandra_ms']} | {row['redis_ms']} | {row['wrk_ms']} |"
        )
    total = sum(
        row["python_ms"] + row["cassandra_ms"] + row["redis_ms"] for row in results.values()
    )
    print(f"floor of a send, service + Cassandra + Redis: {total:.3f} ms of CPU")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "floor.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
