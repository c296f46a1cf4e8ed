"""`serve --workers N`: several processes on one port, one set of metrics, supervised.

Every wait here is for an event (the supervisor's `serve.ready` line once all workers
listen, a replacement's pid, the supervisor's exit); the limits are only guards against a
hang, set far above what start-up takes on a loaded machine."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from chat_service.infra.settings import Settings
from tests.integration.processes import ServiceProcess, start_service, stop_service
from tools.waiting import wait_until_async

WORKERS = 2
GUARD_S = 180.0  # start-up of a worker took up to 43 s beside four other test suites


def worker_pids(supervisor: ServiceProcess) -> set[int]:
    pid = supervisor.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return {int(child) for child in children}


async def wait_for_workers(supervisor: ServiceProcess, count: int) -> set[int]:
    async def all_running() -> set[int] | None:
        pids = worker_pids(supervisor)
        return pids if len(pids) == count else None

    return await wait_until_async(all_running, f"{count} workers", within=GUARD_S, every=0.1)


async def all_workers_listen(supervisor: ServiceProcess) -> None:
    """Until the supervisor logs `serve.ready`: every worker has said it listens (the first
    answering `/ready`, which `start_service` waits for, may be alone yet)."""

    async def logged() -> bool | None:
        if supervisor.process.returncode is not None:
            raise RuntimeError(f"the supervisor exited: {supervisor.log.read_text()[-3000:]}")
        return True if "serve.ready" in supervisor.log.read_text(errors="replace") else None

    await wait_until_async(logged, "serve.ready", within=GUARD_S, every=0.1)


@pytest.fixture
async def supervisor(migrated: Settings) -> AsyncIterator[ServiceProcess]:
    started = await start_service(migrated, arguments=["--workers", str(WORKERS)], LOG_LEVEL="INFO")
    try:
        await all_workers_listen(started)
        yield started
    finally:
        await stop_service(started)


async def health_requests(url: str, count: int) -> None:
    """Each on a new connection, so that the kernel spreads them over the workers."""
    connector = aiohttp.TCPConnector(force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session:
        for _ in range(count):
            async with session.get(f"{url}/api/v1/health") as response:
                assert response.status == 200


async def counted_health_requests(url: str) -> float:
    async with aiohttp.ClientSession() as session, session.get(f"{url}/metrics") as response:
        assert response.status == 200
        text = await response.text()
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        if family.name == "http_requests"
        for sample in family.samples
        if sample.name == "http_requests_total" and sample.labels["route"] == "/api/v1/health"
    )


async def test_metrics_from_any_worker_count_every_worker(supervisor: ServiceProcess) -> None:
    await wait_for_workers(supervisor, WORKERS)
    before = await counted_health_requests(supervisor.url)
    await health_requests(supervisor.url, 40)
    for _ in range(5):  # each scrape may be answered by another worker
        assert await counted_health_requests(supervisor.url) == before + 40


async def test_a_killed_worker_is_replaced_and_sigterm_stops_all(
    supervisor: ServiceProcess,
) -> None:
    first = await wait_for_workers(supervisor, WORKERS)
    victim = min(first)
    os.kill(victim, signal.SIGKILL)

    async def replaced() -> set[int] | None:
        now = worker_pids(supervisor)
        return now if len(now) == WORKERS and victim not in now else None

    now = await wait_until_async(replaced, "a replacement", within=GUARD_S, every=0.1)
    await health_requests(supervisor.url, 20)

    supervisor.process.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(supervisor.process.wait(), GUARD_S) == 0
    assert all(_gone(pid) for pid in now)


async def test_a_worker_that_cannot_start_stops_the_supervisor(migrated: Settings) -> None:
    with pytest.raises(RuntimeError, match="exited"):
        await start_service(
            migrated,
            arguments=["--workers", str(WORKERS)],
            ready_within=GUARD_S,
            CASSANDRA_KEYSPACE="no_such_keyspace_test",
        )


def _gone(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    return not stat.exists() or stat.read_text().split()[2] == "Z"
