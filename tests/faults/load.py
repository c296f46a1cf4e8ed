"""A load of direct messages that behaves like a careful client: every send carries a
client_message_id and is retried with the same id until it is acknowledged."""

from __future__ import annotations

import asyncio
import json
import os
import resource
import shutil
import subprocess
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

PASSWORD = "correct horse battery"


@dataclass
class LoadReport:
    acknowledged: dict[str, str] = field(default_factory=dict)  # client_message_id -> id
    failed_attempts: int = 0  # first or later attempts that got no 201
    statuses: dict[int, int] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)
    ended: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.acknowledged) / max(self.ended - self.started, 1e-9)

    def figures(self) -> str:
        return (
            f"{len(self.acknowledged)} acknowledged in {self.ended - self.started:.1f} s "
            f"({self.rate:.0f}/s), {self.failed_attempts} failed attempts {self.statuses}"
        )


async def make_users(http: aiohttp.ClientSession, base: str, count: int) -> list[tuple[str, str]]:
    users = []
    for _ in range(count):
        name = f"f{uuid.uuid4().hex[:12]}"
        body = {"username": name, "password": PASSWORD}
        async with http.post(f"{base}/api/v1/auth/register", json=body) as response:
            assert response.status == 201, await response.text()
        async with http.post(f"{base}/api/v1/auth/login", json=body) as response:
            users.append((name, (await response.json())["token"]))
    return users


async def run_load(
    base: str, users: list[tuple[str, str]], duration_s: float, concurrency: int = 8
) -> LoadReport:
    """Pairs (users[2k] -> users[2k+1]) send for `duration_s`; retries last until acked."""
    report = LoadReport()
    pairs = [(users[i], users[i + 1]) for i in range(0, len(users) - 1, 2)]
    stop_at = time.perf_counter() + duration_s
    timeout = aiohttp.ClientTimeout(total=10)

    async def worker(n: int) -> None:
        (_, token), (recipient, _) = pairs[n % len(pairs)]
        async with aiohttp.ClientSession(timeout=timeout) as http:
            while time.perf_counter() < stop_at:
                key = uuid.uuid4().hex
                body = {"recipient": recipient, "content": f"load {key}", "client_message_id": key}
                report.acknowledged[key] = await _send_until_acked(http, base, token, body, report)

    await asyncio.gather(*(worker(n) for n in range(concurrency)))
    report.ended = time.perf_counter()
    return report


async def _send_until_acked(
    http: aiohttp.ClientSession, base: str, token: str, body: dict, report: LoadReport
) -> str:
    deadline = time.perf_counter() + 120
    while True:
        try:
            async with http.post(
                f"{base}/api/v1/messages/send",
                json=body,
                headers={"Authorization": f"Bearer {token}"},
            ) as response:
                if response.status == 201:
                    return (await response.json())["id"]
                report.statuses[response.status] = report.statuses.get(response.status, 0) + 1
        except (TimeoutError, aiohttp.ClientError):
            report.statuses[0] = report.statuses.get(0, 0) + 1
        report.failed_attempts += 1
        assert time.perf_counter() < deadline, "a send was never acknowledged"
        await asyncio.sleep(0.2)


async def stored_ids(base: str, users: list[tuple[str, str]]) -> list[str]:
    """Every direct message id in the senders' histories, paging by cursor (Cassandra and
    cache alike, as the service answers)."""
    ids: list[str] = []
    async with aiohttp.ClientSession() as http:
        for name, token in users[::2]:
            cursor = None
            while True:
                params = {"limit": "100", **({"before": cursor} if cursor else {})}
                async with http.get(
                    f"{base}/api/v1/messages",
                    params=params,
                    headers={"Authorization": f"Bearer {token}"},
                ) as response:
                    assert response.status == 200, await response.text()
                    body = await response.json()
                ids += [m["id"] for m in body["messages"] if m["sender"] == name]
                cursor = body["pagination"]["nextCursor"]
                if cursor is None:
                    break
    return ids


async def _read(http: aiohttp.ClientSession, url: str, params: dict, token: str) -> dict:
    """A read, retried like a client would on 503 (a store too slow to answer in time)."""
    for _ in range(10):
        async with http.get(url, params=params, headers={"Authorization": f"Bearer {token}"}) as r:
            if r.status == 200:
                return await r.json()
            assert r.status == 503, await r.text()
        await asyncio.sleep(0.5)
    raise AssertionError(f"{url} kept answering 503")


LOADGEN_SOURCE = Path(__file__).parent / "loadgen"


@dataclass
class Offered:
    """What tests/faults/loadgen saw of one plan."""

    statuses: Counter[int]
    admitted_ms: list[float]
    refusals: Counter[str]  # "Retry-After code" of every 503
    loadgen_cpu_s: float = 0.0  # what the generator itself spent of the shared cores

    def p99_ms(self) -> float:
        ordered = sorted(self.admitted_ms)
        return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] if ordered else 0.0


def build_loadgen(into: Path) -> Path:
    """Compile the Go load generator (the standard library only; Go's build cache makes a
    second build take a moment)."""
    go = shutil.which("go")
    assert go, "the overload test drives tests/faults/loadgen, which needs Go on PATH"
    binary = into / "loadgen"
    subprocess.run([go, "build", "-o", str(binary), "."], cwd=LOADGEN_SOURCE, check=True)
    return binary


async def offer_sends(
    loadgen: Path, base: str, users: list[tuple[str, str]], mode: str, duration_s: float,
    *, rate: float = 0.0, concurrency: int = 0,
) -> Offered:  # fmt: skip
    """Direct sends between random pairs of `users`, closed loop (`concurrency` senders)
    or open loop (`rate` a second), run by the Go generator in its own process."""
    senders = [
        {"token": token, "recipient": other}
        for name, token in users
        for other, _ in users
        if other != name
    ]
    plan = {"url": base, "mode": mode, "duration_s": duration_s, "rate": rate,
            "concurrency": concurrency, "senders": senders}  # fmt: skip
    before = _children_cpu_s()
    process = await asyncio.create_subprocess_exec(
        str(loadgen), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
    )
    output, _ = await process.communicate(json.dumps(plan).encode())
    assert process.returncode == 0, f"loadgen exited {process.returncode}"
    seen = json.loads(output)
    return Offered(
        Counter({int(status): n for status, n in seen["statuses"].items()}),
        seen["admitted_ms"] or [],
        Counter(seen["refusals"]),
        _children_cpu_s() - before,
    )


def _children_cpu_s() -> float:
    """CPU seconds of this process's children that have ended (the generator, once reaped;
    a service process still running is not counted)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def process_cpu_s(pid: int) -> float:
    """CPU seconds a running process has spent so far (user and system, from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
