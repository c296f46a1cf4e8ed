"""Fault tests: a message that got a 201 is never lost, whatever fails afterwards.

Run by `make faults` (and CI). Each test holds a load of sends while something fails, then
checks every acknowledged message; the figures are printed.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from chat_service.infra.settings import Settings
from tests.faults.load import make_users, run_load, stored_ids
from tests.integration.processes import free_port, services, start_service, stop_service
from tools.local_cassandra import localcassandra
from tools.local_redis import localredis

pytestmark = pytest.mark.faults

CLUSTER_FIRST_IP = 11  # nodes on 127.0.0.11-13, beside the suite's own node on 127.0.0.1
CLUSTER_HOSTS = ",".join(f"127.0.0.{CLUSTER_FIRST_IP + i}" for i in range(3))


def report(capsys: pytest.CaptureFixture[str], line: str) -> None:
    with capsys.disabled():
        print(f"\n[fault figures] {line}", flush=True)


async def _status(url: str) -> tuple[int, float]:
    started = time.perf_counter()
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout) as http, http.get(url) as response:
        return response.status, time.perf_counter() - started


async def test_redis_stopped_during_sends(migrated: Settings, tmp_path: Path, capsys) -> None:
    port = free_port()
    await asyncio.to_thread(localredis.start_redis, port, tmp_path)
    settings = migrated.model_copy(update={"redis_url": f"redis://127.0.0.1:{port}/0"})
    try:
        async with services(settings, 1) as (service,):
            async with aiohttp.ClientSession() as http:
                users = await make_users(http, service.url, 8)

            async def outage() -> None:
                await asyncio.sleep(2)
                await asyncio.to_thread(localredis.stop_redis, port, tmp_path)
                await asyncio.sleep(3)
                await asyncio.to_thread(localredis.start_redis, port, tmp_path)

            load, _ = await asyncio.gather(run_load(service.url, users, 8), outage())
            await asyncio.sleep(1.5)  # the cache notices Redis is back
            cached = await stored_ids(service.url, users)
            await _flush(port)
            from_cassandra = await stored_ids(service.url, users)
    finally:
        await asyncio.to_thread(localredis.stop_redis, port, tmp_path)
    acked = set(load.acknowledged.values())
    lost = acked - set(from_cassandra)
    report(capsys, f"redis outage: {load.figures()}; lost {len(lost)}")
    assert not lost
    assert cached == from_cassandra  # no stale cache after Redis returned
    assert len(from_cassandra) == len(set(from_cassandra)) == len(acked)
    assert load.failed_attempts == 0  # sends never failed while Redis was down


async def _flush(port: int) -> None:
    from redis.asyncio import Redis

    client = Redis(port=port)
    await client.flushall()
    await client.aclose()


async def test_service_killed_under_load_and_restarted(migrated: Settings, capsys) -> None:
    port = free_port()
    service = await start_service(migrated, port=port)
    try:
        async with aiohttp.ClientSession() as http:
            users = await make_users(http, service.url, 8)

        async def crash() -> None:
            nonlocal service
            await asyncio.sleep(3)
            os.kill(service.process.pid, signal.SIGKILL)
            await service.process.wait()
            await asyncio.sleep(1)
            service = await start_service(migrated, port=port)

        load, _ = await asyncio.gather(run_load(service.url, users, 8), crash())
        ids = await stored_ids(service.url, users)
    finally:
        await stop_service(service)
    lost = set(load.acknowledged.values()) - set(ids)
    report(capsys, f"service SIGKILL: {load.figures()}; lost {len(lost)}")
    assert not lost
    assert len(ids) == len(set(ids)) == len(load.acknowledged)  # retries made no duplicates


@pytest.fixture(scope="module")
async def cluster(migrated: Settings, tmp_path_factory) -> AsyncIterator[tuple[Path, Settings]]:
    """Three nodes on 127.0.0.11-13 and a keyspace with replication factor 3."""
    base = tmp_path_factory.mktemp("cluster")
    # Not `fast`: nodes are killed here, and `fast` skips fsync of their schema tables.
    await asyncio.to_thread(
        localcassandra.start_cluster, base, 3, "768M", False, 300, CLUSTER_FIRST_IP
    )
    settings = migrated.model_copy(
        update={
            "cassandra_contact_points": tuple(CLUSTER_HOSTS.split(",")),
            "cassandra_port": localcassandra.CQL_PORT,
            "cassandra_keyspace": "chat_fault_test",
            "cassandra_replication_factor": 3,
            "cassandra_consistency": "LOCAL_QUORUM",
            "cassandra_request_timeout_s": 4.0,
        }
    )
    from chat_service.infra.migrations import migrate

    await migrate(settings)
    try:
        yield base, settings
    finally:
        await asyncio.to_thread(localcassandra.stop_all, base)


# Four JVMs share two cores here: a generous timeout keeps slowness apart from failure.
CLUSTER_ENV = {"CASSANDRA_REPLICATION_FACTOR": "3", "CASSANDRA_REQUEST_TIMEOUT_S": "4"}


async def test_one_cassandra_node_killed_during_sends(cluster, capsys) -> None:
    base, settings = cluster
    async with services(settings, 1, **CLUSTER_ENV) as (service,):
        async with aiohttp.ClientSession() as http:
            users = await make_users(http, service.url, 8)

        async def kill_node() -> None:
            await asyncio.sleep(3)
            await asyncio.to_thread(localcassandra.kill_node, base, 2)

        load, _ = await asyncio.gather(run_load(service.url, users, 10), kill_node())
        health, _ = await _status(f"{service.url}/api/v1/ready")
        ids = await stored_ids(service.url, users)
        started = time.perf_counter()
        await asyncio.to_thread(localcassandra.restart_node, base, 2, "768M", False)
        rejoined = time.perf_counter() - started
    lost = set(load.acknowledged.values()) - set(ids)
    report(
        capsys,
        f"one of three nodes killed: {load.figures()}; lost {len(lost)}; "
        f"node 2 rejoined in {rejoined:.0f} s",
    )
    assert health == 200
    assert not lost and len(ids) == len(set(ids)) == len(load.acknowledged)


async def test_cassandra_entirely_down_then_back(cluster, capsys) -> None:
    base, settings = cluster
    async with services(settings, 1, **CLUSTER_ENV) as (service,):
        async with aiohttp.ClientSession() as http:
            users = await make_users(http, service.url, 2)
        for index in (1, 2, 3):
            await asyncio.to_thread(localcassandra.kill_node, base, index)
        (_, token), (recipient, _) = users
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
            started = time.perf_counter()
            async with http.post(
                f"{service.url}/api/v1/messages/send",
                json={"recipient": recipient, "content": "while down"},
                headers={"Authorization": f"Bearer {token}"},
            ) as response:
                send_status, send_s = response.status, time.perf_counter() - started
                body = await response.json()
        ready, ready_s = await _status(f"{service.url}/api/v1/ready")
        health, _ = await _status(f"{service.url}/api/v1/health")
        started = time.perf_counter()
        await asyncio.to_thread(
            localcassandra.start_cluster, base, 3, "768M", True, 300, CLUSTER_FIRST_IP
        )
        recovered = None
        while time.perf_counter() - started < 120:
            if (await _status(f"{service.url}/api/v1/ready"))[0] == 200:
                recovered = time.perf_counter() - started
                break
            await asyncio.sleep(0.5)
        load = await run_load(service.url, users, 2, concurrency=2)
    report(
        capsys,
        f"cassandra down: send {send_status} in {send_s:.1f} s, ready {ready} in {ready_s:.1f} s; "
        f"recovered {recovered:.0f} s after the nodes were restarted; then {load.figures()}",
    )
    assert send_status == 503 and body["error"]["code"] == "store_unavailable"
    assert send_s < 2 * settings.cassandra_request_timeout_s + 1
    assert ready == 503 and ready_s < 2 * settings.cassandra_request_timeout_s + 1
    assert health == 200
    assert recovered is not None and load.failed_attempts == 0 and load.acknowledged
