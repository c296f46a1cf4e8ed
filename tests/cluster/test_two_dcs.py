"""Two data centres: a keyspace replicated by NetworkTopologyStrategy (dc1:2, dc2:2) on a
2+2 node loopback cluster, a service bound to each data centre (CASSANDRA_LOCAL_DC, the
driver's DCAwareRoundRobinPolicy, LOCAL_QUORUM), each with its own Redis as a data centre
would have. What is written through dc1 is read through dc2 once replicated, and still
when dc1's nodes are gone: dc2 answers from its own replicas.

Four JVMs: not in `make test`; `make test-2dcs` runs it (docs/two-data-centres.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from chat_service.infra.migrations import migrate
from chat_service.infra.settings import Settings
from tests.conftest import unique_name
from tests.integration.processes import ServiceProcess, free_port, services
from tools.local_cassandra import localcassandra
from tools.local_redis import localredis

pytestmark = pytest.mark.dcs

FIRST_IP = 31  # dc1 on 127.0.0.31-32, dc2 on 127.0.0.33-34
DC_HOSTS = {"dc1": ("127.0.0.31", "127.0.0.32"), "dc2": ("127.0.0.33", "127.0.0.34")}
PASSWORD = "correct horse battery"
SLOW_MACHINE = {"CASSANDRA_REQUEST_TIMEOUT_S": "20"}  # four JVMs on two cores


@pytest.fixture(scope="module")
async def two_dcs(settings: Settings, tmp_path_factory) -> AsyncIterator[tuple[Path, Settings]]:
    base = tmp_path_factory.mktemp("two-dcs")
    await asyncio.to_thread(localcassandra.start_cluster, base, 4, "512M", True, 400, FIRST_IP, 2)
    keyspace = settings.model_copy(
        update={
            "cassandra_contact_points": DC_HOSTS["dc1"],
            "cassandra_keyspace": "chat_dcs_test",
            "cassandra_local_dc": "dc1",
            "cassandra_replication_class": "NetworkTopologyStrategy",
            "cassandra_replication_dcs": {"dc1": 2, "dc2": 2},
            "cassandra_consistency": "LOCAL_QUORUM",
            "cassandra_request_timeout_s": 20.0,
        }
    )
    try:
        await migrate(keyspace)
        yield base, keyspace
    finally:
        await asyncio.to_thread(localcassandra.stop_all, base)


async def _json(response: aiohttp.ClientResponse, status: int) -> Any:
    assert response.status == status, (response.status, await response.text())
    return await response.json()


async def _eventually(check, what: str, within_s: float = 30) -> Any:
    """`check()` until it returns something: replication between data centres is
    asynchronous at LOCAL_QUORUM (hints and the coordinator's forwarding)."""
    for _ in range(int(within_s / 0.5)):
        if (result := await check()) is not None:
            return result
        await asyncio.sleep(0.5)
    raise AssertionError(f"{what} not seen in dc2 within {within_s} s")


async def test_written_in_dc1_is_read_in_dc2_even_without_dc1(
    two_dcs: tuple[Path, Settings], tmp_path: Path
) -> None:
    base, keyspace = two_dcs
    redis_port = free_port()
    await asyncio.to_thread(localredis.start_redis, redis_port, tmp_path)
    dc2 = keyspace.model_copy(
        update={
            "cassandra_contact_points": DC_HOSTS["dc2"],
            "redis_url": f"redis://127.0.0.1:{redis_port}/0",
        }
    )
    try:
        async with (
            services(keyspace, 1, CASSANDRA_LOCAL_DC="dc1", **SLOW_MACHINE) as (one,),
            services(dc2, 1, CASSANDRA_LOCAL_DC="dc2", **SLOW_MACHINE) as (two,),
            aiohttp.ClientSession() as http,
        ):
            await _write_in_dc1_read_in_dc2(base, http, one, two)
    finally:
        await asyncio.to_thread(localredis.stop_redis, redis_port, tmp_path)


async def _write_in_dc1_read_in_dc2(
    base: Path, http: aiohttp.ClientSession, one: ServiceProcess, two: ServiceProcess
) -> None:
    ann, bob = unique_name("ann"), unique_name("bob")
    api1, api2 = f"{one.url}/api/v1", f"{two.url}/api/v1"
    for name in (ann, bob):
        body = {"username": name, "password": PASSWORD}
        async with http.post(f"{api1}/auth/register", json=body) as response:
            await _json(response, 201)
    async with http.post(f"{api1}/auth/login", json={"username": ann, "password": PASSWORD}) as r:
        ann_token = (await _json(r, 200))["token"]
    async with http.post(
        f"{api1}/messages/send",
        json={"recipient": bob, "content": "hello from dc1"},
        headers={"Authorization": f"Bearer {ann_token}"},
    ) as response:
        sent = await _json(response, 201)

    async def bob_logs_in_dc2() -> str | None:
        body = {"username": bob, "password": PASSWORD}
        async with http.post(f"{api2}/auth/login", json=body) as response:
            return (await response.json())["token"] if response.status == 200 else None

    bob_token = await _eventually(bob_logs_in_dc2, "bob's account")

    async def bobs_history_in_dc2() -> list[str] | None:
        headers = {"Authorization": f"Bearer {bob_token}"}
        async with http.get(f"{api2}/messages", headers=headers) as response:
            ids = [m["id"] for m in (await _json(response, 200))["messages"]]
        return ids or None

    assert await _eventually(bobs_history_in_dc2, "ann's message") == [sent["id"]]
    for index in (1, 2):  # dc1 is gone: what dc2 answers now comes from dc2's replicas
        await asyncio.to_thread(localcassandra.kill_node, base, index)
    async with http.get(
        f"{api2}/conversations/{sent['conversation_id']}/messages",
        headers={"Authorization": f"Bearer {bob_token}"},
    ) as response:
        page = await _json(response, 200)
    assert [(m["id"], m["content"]) for m in page["messages"]] == [(sent["id"], "hello from dc1")]
    async with http.get(f"{one.url}/api/v1/ready") as response:
        assert response.status == 503  # the service bound to dc1 has no replica left
