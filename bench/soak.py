"""The soak: a mixed load on one service process for a set time, with the process's and
Cassandra's vital signs recorded at every sample (a minute by default).

    make soak DURATION=20m
    .venv/bin/python -m bench.soak --duration 120 --sample-every 10   # a short look

Load, open loop (each request at a fixed instant and timed from it): direct sends, group
posts, history reads (a group's and `/messages`), conversation lists, logins, and
WebSockets that connect and leave (a pool whose oldest socket is replaced every second).
Each sample records the service's RSS, its open sockets and WebSockets, the event loop's
lag (the service's `event_loop_lag_seconds`, read every 5 s; the worst of the sample),
p99 and count per route kind, errors, and Cassandra's pending compactions (the
CompactionExecutor's pending tasks in `system_views.thread_pools`). bench/soak_report.py
writes them (bench/soak/latest.csv, .json, .png) and judges memory and p99.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp

from bench import soak_report
from chat_service.infra.migrations import migrate
from chat_service.infra.settings import Settings, load_settings
from tools.waiting import http_ready

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "soak-password-1"
# Requests per second of each kind (x --scale): well below one process's capacity, so
# that the soak measures drift, not saturation.
RATES = {"send_dm": 12, "group_post": 6, "group_history": 16, "messages": 8, "conversations": 8}
LOGINS_PER_S = 0.5
SOCKETS, SOCKET_CHURN_PER_S = 40, 1.0
USERS, GROUPS, GROUP_SIZE = 80, 10, 8


def service_env(args: argparse.Namespace) -> dict[str, str]:
    return {
        **os.environ,
        "APP_ENV": "development",
        "CASSANDRA_KEYSPACE": args.keyspace,
        "REDIS_URL": args.redis_url,
        "BCRYPT_COST": "10",
        "SEND_LIMIT_PER_MINUTE": "100000000",
        "SEND_LIMIT_PER_DAY": "100000000",
        "LOGIN_FAILURE_LIMIT": "100000000",
        "LOG_LEVEL": "WARNING",
        # The in-process caches are bounded; sized down so that they fill during the
        # warm-up, after which any growth of memory is not a cache filling up.
        "LOCAL_CACHE_RENDERED_MESSAGES": "2000",
        "LOCAL_CACHE_DECODED_MESSAGES": "2000",
        "LOCAL_CACHE_TIMELINE_PAGES_BYTES": str(2**20),
    }


class Recorder:
    """Latencies and errors per kind since the last sample."""

    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)

    async def timed(self, kind: str, since: float, call: Awaitable[bool]) -> None:
        try:
            ok = await call
        except (TimeoutError, aiohttp.ClientError):
            ok = False
        if ok:
            self.latencies[kind].append((time.perf_counter() - since) * 1000)
        else:
            self.errors[kind] += 1

    def take(self) -> tuple[dict[str, list[float]], dict[str, int]]:
        taken = (dict(self.latencies), dict(self.errors))
        self.latencies, self.errors = defaultdict(list), defaultdict(int)
        return taken


class Soak:
    def __init__(self, base: str, seed: dict[str, Any], http: aiohttp.ClientSession) -> None:
        self.base, self.seed, self.http = base, seed, http
        self.recorder = Recorder()

    async def _ok(
        self, method: str, path: str, token: str | None, status: int, **body: Any
    ) -> bool:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self.http.request(
            method, f"{self.base}/api/v1{path}", json=body or None, headers=headers
        ) as response:
            await response.read()
            return response.status == status

    def requests(self) -> dict[str, Callable[[], Awaitable[bool]]]:
        users, groups = self.seed["users"], self.seed["groups"]

        def send_dm() -> Awaitable[bool]:
            sender, recipient = random.sample(users, 2)
            return self._ok(
                "POST", "/messages/send", sender["token"], 201,
                recipient=recipient["username"], content="soak " + "x" * 80,
            )  # fmt: skip

        def group_post() -> Awaitable[bool]:
            group = random.choice(groups)
            path = f"/conversations/{group['id']}/messages"
            return self._ok("POST", path, random.choice(group["tokens"]), 201, content="soak")

        def group_history() -> Awaitable[bool]:
            group = random.choice(groups)
            path = f"/conversations/{group['id']}/messages?limit=50"
            return self._ok("GET", path, random.choice(group["tokens"]), 200)

        def messages() -> Awaitable[bool]:
            return self._ok(
                "GET", "/messages?page=1&page_size=20", random.choice(users)["token"], 200
            )

        def conversations() -> Awaitable[bool]:
            return self._ok("GET", "/conversations?limit=20", random.choice(users)["token"], 200)

        def login() -> Awaitable[bool]:
            name = random.choice(users)["username"]
            return self._ok("POST", "/auth/login", None, 200, username=name, password=PASSWORD)

        return {
            "send_dm": send_dm, "group_post": group_post, "group_history": group_history,
            "messages": messages, "conversations": conversations, "login": login,
        }  # fmt: skip

    async def open_loop(
        self, kind: str, rate: float, call: Callable[[], Awaitable[bool]], until: float
    ) -> None:
        start, n, tasks = time.perf_counter(), 0, set()
        while (scheduled := start + n / rate) < until:
            if (delay := scheduled - time.perf_counter()) > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(self.recorder.timed(kind, scheduled, call()))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            n += 1
        await asyncio.gather(*tasks)

    async def sockets(self, until: float) -> None:
        """A pool of WebSockets, the oldest replaced every 1/SOCKET_CHURN_PER_S seconds;
        each connect is timed as the `ws_connect` kind, and every socket reads its events."""
        ws_base = self.base.replace("http", "ws")
        pool: list[tuple[aiohttp.ClientWebSocketResponse, asyncio.Task[None]]] = []

        async def connect() -> bool:
            token = random.choice(self.seed["users"])["token"]
            ws = await self.http.ws_connect(f"{ws_base}/ws?token={token}")
            pool.append((ws, asyncio.create_task(_drain(ws))))
            return True

        for _ in range(SOCKETS):
            await self.recorder.timed("ws_connect", time.perf_counter(), connect())
        while time.perf_counter() < until:
            await asyncio.sleep(1 / SOCKET_CHURN_PER_S)
            if pool:
                ws, reader = pool.pop(0)
                await ws.close()
                reader.cancel()
            await self.recorder.timed("ws_connect", time.perf_counter(), connect())
        for ws, reader in pool:
            await ws.close()
            reader.cancel()


async def _drain(ws: aiohttp.ClientWebSocketResponse) -> None:
    async for _ in ws:
        pass


async def seed(base: str, http: aiohttp.ClientSession) -> dict[str, Any]:
    async def user(n: int) -> dict[str, str]:
        name = f"soak{n}{random.getrandbits(32):08x}"
        body = {"username": name, "password": PASSWORD}
        async with http.post(f"{base}/api/v1/auth/register", json=body) as response:
            assert response.status == 201, await response.text()
        async with http.post(f"{base}/api/v1/auth/login", json=body) as response:
            return {"username": name, "token": (await response.json())["token"]}

    users = [await user(n) for n in range(USERS)]
    groups = []
    for g in range(GROUPS):
        members = random.sample(users, GROUP_SIZE)
        body = {"name": f"soak room {g}", "members": [m["username"] for m in members[1:]]}
        headers = {"Authorization": f"Bearer {members[0]['token']}"}
        async with http.post(f"{base}/api/v1/conversations", json=body, headers=headers) as r:
            assert r.status == 201, await r.text()
            groups.append({"id": (await r.json())["id"], "tokens": [m["token"] for m in members]})
    return {"users": users, "groups": groups}


async def run(args: argparse.Namespace, settings: Settings, pid: int, base: str) -> list[dict]:
    samples: list[dict] = []
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=30)
    ) as http:
        soak = Soak(base, await seed(base, http), http)
        probe = soak_report.Probe(pid, base, settings)
        started = time.perf_counter()
        until = started + args.duration
        calls = soak.requests()
        loads = [
            soak.open_loop(kind, rate * args.scale, calls[kind], until)
            for kind, rate in RATES.items()
        ]
        loads.append(soak.open_loop("login", LOGINS_PER_S * args.scale, calls["login"], until))
        loads.append(soak.sockets(until))

        async def sample() -> None:
            lags: list[float] = []
            next_sample = started + args.sample_every
            while time.perf_counter() < until - 1:
                await asyncio.sleep(min(5.0, max(0.0, next_sample - time.perf_counter())))
                lags.append(await probe.loop_lag_ms(http))
                if time.perf_counter() >= next_sample:
                    latencies, errors = soak.recorder.take()
                    row = await probe.sample(http, latencies, errors, max(lags))
                    row["elapsed_s"] = round(time.perf_counter() - started)
                    samples.append(row)
                    print(f"soak: {soak_report.one_line(row)}", flush=True)
                    lags, next_sample = [], next_sample + args.sample_every

        await asyncio.gather(*loads, sample())
    return samples


def duration_s(text: str) -> float:
    """`90`, `90s`, `20m` or `1h`."""
    units = {"s": 1, "m": 60, "h": 3600}
    if text and text[-1] in units:
        return float(text[:-1]) * units[text[-1]]
    return float(text)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=duration_s, default=duration_s("20m"))
    parser.add_argument("--sample-every", type=duration_s, default=60.0)
    parser.add_argument("--warmup-samples", type=int, default=3)
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every rate")
    parser.add_argument("--keyspace", default="chat_soak")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/3")
    parser.add_argument("--port", type=int, default=8101)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "soak")
    args = parser.parse_args()
    env = service_env(args)
    os.environ.update({k: env[k] for k in ("APP_ENV", "CASSANDRA_KEYSPACE", "REDIS_URL")})
    settings = load_settings()
    asyncio.run(migrate(settings))
    base = f"http://127.0.0.1:{args.port}"
    service = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "chat-service"), "serve", "--host", "127.0.0.1",
         "--port", str(args.port)],
        env=env, cwd=ROOT,
    )  # fmt: skip
    try:
        asyncio.run(http_ready(base))
        samples = asyncio.run(run(args, settings, service.pid, base))
    finally:
        service.terminate()
        service.wait()
    report = soak_report.write(samples, args, args.out)
    print(soak_report.verdict_text(report["verdict"]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
