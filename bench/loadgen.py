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
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import orjson
import uvloop

Request = Callable[[aiohttp.ClientSession], Awaitable[bool]]


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


def history_recent(base: str, seed: dict) -> Request:
    rooms = seed["rooms"]

    async def request(session: aiohttp.ClientSession) -> bool:
        room = random.choice(rooms)
        url = f"{base}/api/v1/conversations/{room['id']}/messages?limit=50"
        return await _ok(session.get(url, headers=_auth(room["token"])))

    return request


def history_deep(base: str, seed: dict) -> Request:
    rooms = seed["deep_rooms"]

    async def request(session: aiohttp.ClientSession) -> bool:
        room = random.choice(rooms)
        before = random.choice(room["deep_cursors"])
        url = f"{base}/api/v1/conversations/{room['id']}/messages?limit=50&before={before}"
        return await _ok(session.get(url, headers=_auth(room["token"])))

    return request


def messages_compat(base: str, seed: dict, page: int = 1) -> Request:
    heavy = seed["heavy_users"]

    async def request(session: aiohttp.ClientSession) -> bool:
        user = random.choice(heavy)
        url = f"{base}/api/v1/messages?page={page}&page_size=20"
        return await _ok(session.get(url, headers=_auth(user["token"])))

    return request


def messages_compat_page50(base: str, seed: dict) -> Request:
    """Page 50 of a 10,000-message history: past the cache, skipped by bucket counters."""
    return messages_compat(base, seed, page=50)


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


HTTP_SCENARIOS = {
    "send_dm": send_dm,
    "history_recent": history_recent,
    "history_deep": history_deep,
    "messages_compat": messages_compat,
    "messages_compat_page50": messages_compat_page50,
    "health": health,
}


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
    request = HTTP_SCENARIOS[args.scenario](args.base_url, seed)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        if args.rate:
            return await open_loop(session, request, args.rate, args.duration)
        return await closed_loop(session, request, args.concurrency, args.duration)


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
