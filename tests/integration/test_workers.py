"""`serve --workers N`: several processes on one port, one set of metrics, supervised."""

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


def worker_pids(supervisor: ServiceProcess) -> set[int]:
    pid = supervisor.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return {int(child) for child in children}


async def wait_for_workers(supervisor: ServiceProcess, count: int) -> set[int]:
    async def all_running() -> set[int] | None:
        pids = worker_pids(supervisor)
        return pids if len(pids) == count else None

    return await wait_until_async(all_running, f"{count} workers", within=10, every=0.1)


@pytest.fixture
async def supervisor(migrated: Settings) -> AsyncIterator[ServiceProcess]:
    started = await start_service(migrated, arguments=["--workers", str(WORKERS)])
    try:
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
    for _ in range(100):
        now = worker_pids(supervisor)
        if len(now) == WORKERS and victim not in now:
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("the killed worker was not replaced")
    await health_requests(supervisor.url, 20)

    supervisor.process.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(supervisor.process.wait(), 30) == 0
    assert all(_gone(pid) for pid in now)


async def test_a_worker_that_cannot_start_stops_the_supervisor(migrated: Settings) -> None:
    with pytest.raises(RuntimeError, match="exited"):
        await start_service(
            migrated,
            arguments=["--workers", str(WORKERS)],
            CASSANDRA_KEYSPACE="no_such_keyspace_test",
        )


def _gone(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    return not stat.exists() or stat.read_text().split()[2] == "Z"
