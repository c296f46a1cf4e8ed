"""The load generator: runs one scenario against a running service and prints its figures
as one JSON object. It runs in its own process (started by `bench/run.py`), so its CPU
is not the service's event loop.

Latency is measured per request. Closed-loop scenarios (`--concurrency`) keep N requests in
flight and report what clients saw. Open-loop scenarios (`--rate`) schedule requests at
fixed instants and measure each one from its scheduled instant, not from when it was
actually sent: a stall therefore shows up in the tail instead of silently delaying the
requests behind it (the correction for coordinated omission that wrk2 makes).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import aiohttp
import orjson
import uvloop

Request = Callable[[aiohttp.ClientSession], Awaitable[bool]]
WRK_SCRIPT = Path(__file__).resolve().parent / "wrk" / "scenario.lua"


@dataclass
class Recorder:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0

    def summary(self, duration_s: float, concurrency: int) -> dict[str, float | int]:
        ordered = sorted(self.latencies_ms)

        def pct(q: float) -> float:
            return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2) if ordered else 0

        return {
            "requests": len(ordered) + self.errors,
            "throughput_per_s": round(len(ordered) / duration_s, 1),
            "p50_ms": pct(0.50),
            "p95_ms": pct(0.95),
            "p99_ms": pct(0.99),
            "max_ms": round(ordered[-1], 2) if ordered else 0,
            "errors": self.errors,
            "concurrency": concurrency,
            "duration_s": round(duration_s, 1),
        }


async def closed_loop(
    session: aiohttp.ClientSession, request: Request, concurrency: int, duration_s: float
) -> dict[str, float | int]:
    recorder = Recorder()
    stop_at = time.perf_counter() + duration_s

    async def worker() -> None:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            ok = await _attempt(request, session)
            if ok:
                recorder.latencies_ms.append((time.perf_counter() - started) * 1000)
            else:
                recorder.errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return recorder.summary(time.perf_counter() - started, concurrency)


async def open_loop(
    session: aiohttp.ClientSession, request: Request, rate: float, duration_s: float
) -> dict[str, float | int]:
    recorder = Recorder()
    in_flight: set[asyncio.Task[None]] = set()

    async def one(scheduled: float) -> None:
        ok = await _attempt(request, session)
        if ok:
            recorder.latencies_ms.append((time.perf_counter() - scheduled) * 1000)
        else:
            recorder.errors += 1

    start = time.perf_counter()
    total = int(rate * duration_s)
    for n in range(total):
        scheduled = start + n / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(one(scheduled))
        in_flight.add(task)
        task.add_done_callback(in_flight.discard)
    await asyncio.gather(*in_flight)
    return recorder.summary(time.perf_counter() - start, 0)


async def _attempt(request: Request, session: aiohttp.ClientSession) -> bool:
    try:
        return await request(session)
    except (TimeoutError, aiohttp.ClientError):
        return False


# Scenarios. Each receives the seed written by run.py.


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _ok(response_cm: object, status: int = 200) -> bool:
    async with response_cm as response:  # type: ignore[attr-defined]
        await response.read()
        return response.status == status


def send_dm(base: str, seed: dict) -> Request:
    users = seed["users"]
    text = "x" * 100

    async def request(session: aiohttp.ClientSession) -> bool:
        sender, recipient = random.sample(users, 2)
        body = {"recipient": recipient["username"], "content": text}
        return await _ok(
            session.post(f"{base}/api/v1/messages/send", json=body, headers=_auth(sender["token"])),
            201,
        )

    return request


# Read scenarios: a list of (method, path, token) targets, one picked at random per request.
Target = tuple[str, str, str]


def history_recent(seed: dict) -> list[Target]:
    return [
        ("GET", f"/api/v1/conversations/{room['id']}/messages?limit=50", room["token"])
        for room in seed["rooms"]
    ]


def history_deep(seed: dict) -> list[Target]:
    return [
        (
            "GET",
            f"/api/v1/conversations/{room['id']}/messages?limit=50&before={cursor}",
            room["token"],
        )
        for room in seed["deep_rooms"]
        for cursor in room["deep_cursors"]
    ]


def messages_compat(seed: dict, page: int = 1) -> list[Target]:
    return [
        ("GET", f"/api/v1/messages?page={page}&page_size=20", user["token"])
        for user in seed["heavy_users"]
    ]


def messages_compat_page50(seed: dict) -> list[Target]:
    """Page 50 of a 10,000-message history: past the cache, skipped by bucket counters."""
    return messages_compat(seed, page=50)


def history_reactions(seed: dict) -> list[Target]:
    """The first page (50) of a room whose messages carry reactions, replies and mentions,
    read by each of its members (so `me` differs by reader)."""
    return [
        ("GET", f"/api/v1/conversations/{room['id']}/messages?limit=50", token)
        for room in seed["reaction_rooms"]
        for token in room["tokens"]
    ]


def react(seed: dict) -> list[Target]:
    """PUT a reaction: every member, message and emoji of the reaction rooms, picked at
    random (a repeat is the idempotent no-op a client's retry is)."""
    return [
        (
            "PUT",
            f"/api/v1/conversations/{room['id']}/messages/{message_id}/reactions/{emoji}",
            token,
        )
        for room in seed["reaction_rooms"]
        for message_id in room["ids"]
        for emoji in (quote(e, safe="") for e in seed["emoji"])
        for token in room["tokens"]
    ]


def search(seed: dict) -> list[Target]:
    """A conversation's search: common and rare words, two words, a prefix, a host name."""
    return [
        (
            "GET",
            f"/api/v1/conversations/{room['id']}/messages/search?q={quote(q)}&limit=20",
            room["token"],
        )
        for room in seed["search_rooms"]
        for q in seed["search_queries"]
    ]


READ_SCENARIOS: dict[str, Callable[[dict], list[Target]]] = {
    "history_recent": history_recent,
    "history_deep": history_deep,
    "messages_compat": messages_compat,
    "messages_compat_page50": messages_compat_page50,
    "history_reactions": history_reactions,
    "react": react,  # not a read, but the same shape: one request picked from a list
    "search": search,
}


def pick(base: str, targets: list[Target]) -> Request:
    async def request(session: aiohttp.ClientSession) -> bool:
        method, path, token = random.choice(targets)
        expected = 204 if method == "PUT" else 200
        return await _ok(session.request(method, f"{base}{path}", headers=_auth(token)), expected)

    return request


def health(base: str, seed: dict) -> Request:
    async def request(session: aiohttp.ClientSession) -> bool:
        return await _ok(session.get(f"{base}/api/v1/health"))

    return request


def login(base: str, seed: dict) -> Request:
    users = seed["users"]

    async def request(session: aiohttp.ClientSession) -> bool:
        user = random.choice(users)
        body = {"username": user["username"], "password": seed["password"]}
        return await _ok(session.post(f"{base}/api/v1/auth/login", json=body))

    return request


async def health_during_login_storm(args: argparse.Namespace, seed: dict) -> dict:
    """/health at a steady rate (open loop) while logins run flat out beside it."""
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        storm = asyncio.create_task(
            closed_loop(session, login(args.base_url, seed), 16, args.duration)
        )
        result = await open_loop(
            session, health(args.base_url, seed), args.rate or 100, args.duration
        )
        logins = await storm
    result["logins_per_s"] = logins["throughput_per_s"]
    return result


async def ws_fanout(args: argparse.Namespace, seed: dict) -> dict:
    """Senders post direct messages at a steady rate to users connected by WebSocket; the
    latency of an event runs from the start of its send to its arrival."""
    base, users = args.base_url, seed["users"]
    listeners, senders = users[: len(users) // 2], users[len(users) // 2 :]
    sent_at: dict[str, float] = {}
    recorder = Recorder()
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        sockets = [
            await session.ws_connect(f"{base.replace('http', 'ws')}/ws?token={u['token']}")
            for u in listeners
        ]

        async def listen(ws: aiohttp.ClientWebSocketResponse) -> None:
            async for frame in ws:
                event = orjson.loads(frame.data)
                if event["type"] == "message.created":
                    started = sent_at.get(event["data"]["content"])
                    if started is not None:
                        recorder.latencies_ms.append((time.perf_counter() - started) * 1000)

        readers = [asyncio.create_task(listen(ws)) for ws in sockets]

        async def send(http: aiohttp.ClientSession) -> bool:
            sender, listener = random.choice(senders), random.choice(listeners)
            tag = f"{time.perf_counter_ns()}-{random.random()}"
            sent_at[tag] = time.perf_counter()
            body = {"recipient": listener["username"], "content": tag}
            return await _ok(
                http.post(
                    f"{base}/api/v1/messages/send", json=body, headers=_auth(sender["token"])
                ),
                201,
            )

        sending = await open_loop(session, send, args.rate or 500, args.duration)
        await asyncio.sleep(2)  # let the last events arrive
        for task in readers:
            task.cancel()
        for ws in sockets:
            await ws.close()
    result = recorder.summary(sending["duration_s"], len(listeners))
    result["send_errors"] = sending["errors"]
    result["events_per_s"] = result.pop("throughput_per_s")
    result["throughput_per_s"] = result["events_per_s"]
    result["lost_events"] = len(sent_at) - len(recorder.latencies_ms) - sending["errors"]
    return result


async def ws_idle(args: argparse.Namespace, seed: dict) -> dict:
    """Open N idle WebSocket connections to one process and report its resident memory."""
    base, users = args.base_url, seed["users"]
    before = _rss_mb(args.service_pid)
    connector = aiohttp.TCPConnector(limit=0)
    sockets = []
    async with aiohttp.ClientSession(connector=connector) as session:
        for n in range(args.connections):
            user = users[n % len(users)]
            url = f"{base.replace('http', 'ws')}/ws?token={user['token']}"
            try:
                sockets.append(await session.ws_connect(url, heartbeat=None, autoping=True))
            except aiohttp.ClientError:
                break
        await asyncio.sleep(3)
        rss = _rss_mb(args.service_pid)
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    return {"connections": len(sockets), "rss_mb": rss, "rss_before_mb": before}


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


async def main_async(args: argparse.Namespace) -> dict:
    seed = json.loads(await asyncio.to_thread(Path(args.seed).read_text))
    if args.scenario == "health_during_login_storm":
        return await health_during_login_storm(args, seed)
    if args.scenario == "ws_fanout":
        return await ws_fanout(args, seed)
    if args.scenario == "ws_idle":
        return await ws_idle(args, seed)
    if args.generator == "wrk":
        return await asyncio.to_thread(run_wrk, args, seed)
    if args.scenario == "send_dm":
        request = send_dm(args.base_url, seed)
    else:
        request = pick(args.base_url, READ_SCENARIOS[args.scenario](seed))
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        if args.rate:
            return await open_loop(session, request, args.rate, args.duration)
        return await closed_loop(session, request, args.concurrency, args.duration)


def run_wrk(args: argparse.Namespace, seed: dict) -> dict:
    """The same scenario, closed loop, driven by wrk (C, one thread, LuaJIT picking each
    request's target): a fraction of the Python generator's CPU, left to the service."""
    if args.scenario == "send_dm":
        data = {"mode": "send_dm", "users": [[u["username"], u["token"]] for u in seed["users"]]}
    else:
        data = {"mode": "pick", "items": READ_SCENARIOS[args.scenario](seed)}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(f"return {lua_literal(data)}\n")
    command = [
        "wrk", "-t1", f"-c{args.concurrency}", f"-d{round(args.duration)}s", "--timeout", "10s",
        "-s", str(WRK_SCRIPT), args.base_url, "--", lua.name,
    ]  # fmt: skip
    try:
        output = subprocess.run(command, capture_output=True, text=True, check=True)
    finally:
        os.unlink(lua.name)
    result = json.loads(output.stdout.strip().splitlines()[-1])
    return {**result, "concurrency": args.concurrency, "generator": "wrk"}


def lua_literal(value: object) -> str:
    """A Lua literal for JSON-like data (strings are JSON-quoted, which Lua reads alike
    for the ASCII that ids, paths and tokens are made of)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key} = {lua_literal(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "{" + ", ".join(lua_literal(item) for item in value) + "}"
    return json.dumps(value)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scenario")
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--seed", required=True)
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--rate", type=float, default=0)
    parser.add_argument("--connections", type=int, default=10_000)
    parser.add_argument("--service-pid", type=int, default=0)
    parser.add_argument(
        "--generator",
        choices=["python", "wrk"],
        default="python",
        help="closed-loop HTTP scenarios only: this asyncio generator, or wrk",
    )
    args = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    uvloop.install()
    result = asyncio.run(main_async(args))
    print(json.dumps(result))
    sys.stdout.flush()
    os._exit(0)  # skip slow teardown of thousands of sockets


if __name__ == "__main__":
    sys.exit(main())
