"""Fault test of catching up: Redis stops for 3 s during a send load; every client that
calls `/sync` after `system.recovered`, from the last `stream_id` it handled before
`system.degraded`, ends with exactly its acknowledged messages: none lost, none twice.

Runs with a private Redis (as the Redis outage test of `test_faults.py`), so the shared
one is never stopped: `pytest -m faults tests/faults/test_sync_faults.py`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from chat_service.infra.settings import Settings
from tests.faults.load import make_users, run_load
from tests.integration.processes import free_port, services
from tools.local_redis import localredis

pytestmark = pytest.mark.faults


@dataclass
class Client:
    """A device of one user that handles live events until the bus goes down."""

    name: str
    token: str
    last: str  # the stream_id of the last event handled
    handled: list[str] = field(default_factory=list)  # message ids, in order
    degraded: asyncio.Event = field(default_factory=asyncio.Event)
    recovered: asyncio.Event = field(default_factory=asyncio.Event)

    async def listen(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for frame in ws:
            event = frame.json()
            if event["type"] == "system.degraded":
                self.degraded.set()
            elif event["type"] == "system.recovered":
                self.recovered.set()
            elif not self.degraded.is_set() and "stream_id" in event:
                if event["type"] == "message.created":
                    self.handled.append(event["data"]["id"])
                self.last = event["stream_id"]


async def _get(http: aiohttp.ClientSession, url: str, token: str, **params: str) -> Any:
    async with http.get(url, params=params, headers={"Authorization": f"Bearer {token}"}) as r:
        assert r.status == 200, await r.text()
        return await r.json()


async def _catch_up(http: aiohttp.ClientSession, base: str, client: Client) -> list[str]:
    ids, since = [], client.last
    while True:
        page = await _get(http, f"{base}/api/v1/sync", client.token, since=since, limit="500")
        ids += [e["data"]["id"] for e in page["events"] if e["type"] == "message.created"]
        since = page["next_since"]
        if not page["has_more"]:
            return ids


async def _history(http: aiohttp.ClientSession, base: str, token: str) -> list[str]:
    ids, cursor = [], None
    while True:
        params = {"limit": "100", **({"before": cursor} if cursor else {})}
        body = await _get(http, f"{base}/api/v1/messages", token, **params)
        ids += [m["id"] for m in body["messages"]]
        cursor = body["pagination"]["nextCursor"]
        if cursor is None:
            return ids


async def test_clients_catch_up_exactly_after_a_redis_outage(
    migrated: Settings, tmp_path: Path, capsys
) -> None:
    port = free_port()
    await asyncio.to_thread(localredis.start_redis, port, tmp_path)
    settings = migrated.model_copy(update={"redis_url": f"redis://127.0.0.1:{port}/0"})
    try:
        async with services(settings, 2) as pair, aiohttp.ClientSession() as http:
            users = await make_users(http, pair[0].url, 8)
            clients, sockets = [], []
            for n, (name, token) in enumerate(users):
                start = await _get(http, f"{pair[0].url}/api/v1/sync", token)
                clients.append(Client(name, token, start["next_since"]))
                sockets.append(await http.ws_connect(f"{pair[n % 2].url}/ws?token={token}"))
            listening = [
                asyncio.create_task(c.listen(ws)) for c, ws in zip(clients, sockets, strict=True)
            ]

            async def outage() -> None:
                await asyncio.sleep(2)
                await asyncio.to_thread(localredis.stop_redis, port, tmp_path)
                await asyncio.sleep(3)
                await asyncio.to_thread(localredis.start_redis, port, tmp_path)

            load, _ = await asyncio.gather(run_load(pair[0].url, users, 8), outage())
            for client in clients:
                await asyncio.wait_for(client.recovered.wait(), 30)
            results = []
            for n, client in enumerate(clients):
                caught_up = client.handled + await _catch_up(http, pair[(n + 1) % 2].url, client)
                results.append((caught_up, await _history(http, pair[0].url, client.token)))
            for ws in sockets:
                await ws.close()
            await asyncio.gather(*listening)
    finally:
        await asyncio.to_thread(localredis.stop_redis, port, tmp_path)
    acked = set(load.acknowledged.values())
    lost = sum(len(set(history) - set(got)) for got, history in results)
    doubled = sum(len(got) - len(set(got)) for got, _ in results)
    extra = sum(len(set(got) - set(history)) for got, history in results)
    handled_live = sum(len(c.handled) for c in clients)
    with capsys.disabled():
        print(
            f"\n[fault figures] sync after redis outage: {load.figures()}; "
            f"{handled_live} handled live before the outage; lost {lost}, doubled {doubled}, "
            f"extra {extra}",
            flush=True,
        )
    assert all(c.degraded.is_set() for c in clients)
    assert set().union(*(set(history) for _, history in results)) == acked
    assert lost == doubled == extra == 0
