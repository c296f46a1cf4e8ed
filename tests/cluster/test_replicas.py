"""Replicas behind nginx (the Compose stack's config, Debian's nginx): conversations held
through the proxy reach sockets on every replica, and a replica SIGKILLed mid-load costs
only its in-flight requests while nginx stops sending it traffic."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from chat_service.infra.settings import Settings
from tests.cluster.proxy import ProxiedReplicas, behind_nginx
from tests.conftest import unique_name
from tests.faults.load import make_users, run_load, stored_ids

FAIL_TIMEOUT_S = 5  # deploy/nginx/nginx.conf: max_fails=2 fail_timeout=5s


@pytest.fixture
async def proxied(migrated: Settings, tmp_path: Path) -> AsyncIterator[ProxiedReplicas]:
    async with behind_nginx(migrated, tmp_path) as replicas:
        yield replicas


async def _post(http: aiohttp.ClientSession, url: str, token: str, tag: str, **body: Any) -> Any:
    """A POST through nginx; `tag` is its request id, which nginx's access log records."""
    headers = {"Authorization": f"Bearer {token}", "X-Request-ID": tag}
    async with http.post(url, json=body, headers=headers) as response:
        assert response.status < 300, (response.status, await response.text())
        return await response.json()


async def _events(ws: aiohttp.ClientWebSocketResponse, count: int) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    while len(events) < count:
        message = await ws.receive_json(timeout=10)
        if message["type"] == "message.created":
            events.append(message["data"])
    return events


async def test_conversations_through_nginx_reach_sockets_on_every_replica(
    proxied: ProxiedReplicas,
) -> None:
    async with aiohttp.ClientSession() as http:
        users = await make_users(http, proxied.url, 6)
        ws_url = proxied.url.replace("http", "ws")
        sockets = [
            await http.ws_connect(f"{ws_url}/ws?token={token}", headers={"X-Request-ID": f"ws-{n}"})
            for n, (_, token) in enumerate(users)
        ]
        api = f"{proxied.url}/api/v1"
        (_, creator_token), *members = users
        names = [name for name, _ in members]
        group = await _post(
            http, f"{api}/conversations", creator_token, "create", name=unique_name("room"),
            members=names,
        )  # fmt: skip
        posted = [
            await _post(
                http,
                f"{api}/conversations/{group['id']}/messages",
                token,
                f"post-{n}",
                content=f"from {name}",
            )
            for n, (name, token) in enumerate(users)
        ]
        (_, ann_token), (bob, _) = users[0], users[1]
        direct = await _post(
            http, f"{api}/messages/send", ann_token, "direct", recipient=bob, content="hi bob"
        )
        received = [await _events(ws, len(posted) + (n < 2)) for n, ws in enumerate(sockets)]
        for ws in sockets:
            await ws.close()
    for n, events in enumerate(received):
        expected = {m["id"] for m in posted} | ({direct["id"]} if n < 2 else set())
        assert {event["id"] for event in events} == expected, f"socket {n}"
    await asyncio.sleep(0.5)  # nginx logs a WebSocket when it closes
    upstream = {line["request_id"]: line["upstream"] for line in proxied.log_lines()}
    socket_replicas = {upstream[f"ws-{n}"] for n in range(len(sockets))}
    post_replicas = {upstream[f"post-{n}"] for n in range(len(posted))}
    every = {proxied.address(replica) for replica in proxied.replicas}
    assert socket_replicas == every and post_replicas == every  # round robin over all three
    crossed = {
        (upstream[f"post-{n}"], upstream[f"ws-{m}"])
        for n in range(len(posted))
        for m in range(len(sockets))
        if upstream[f"post-{n}"] != upstream[f"ws-{m}"]
    }
    assert len(crossed) == 6  # every replica's sends reached sockets on both others


async def test_a_replica_killed_mid_load_loses_nothing_and_gets_no_more_traffic(
    proxied: ProxiedReplicas, capsys: pytest.CaptureFixture[str]
) -> None:
    async with aiohttp.ClientSession() as http:
        users = await make_users(http, proxied.url, 8)
    victim = proxied.replicas[1]
    dead = proxied.address(victim)
    lines_at_kill = 0

    async def kill() -> None:
        nonlocal lines_at_kill
        await asyncio.sleep(3)
        lines_at_kill = len(proxied.log_lines())
        os.kill(victim.process.pid, signal.SIGKILL)
        await victim.process.wait()

    load, _ = await asyncio.gather(run_load(proxied.url, users, 10, concurrency=8), kill())
    ids = await stored_ids(proxied.url, users)
    after = proxied.log_lines()[lines_at_kill:]
    tried_dead = [line for line in after if dead in line["upstream"]]
    failed = [line for line in after if line["status"] >= 500]
    with capsys.disabled():
        print(
            f"\n[cluster figures] replica SIGKILLed: {load.figures()}; after the kill "
            f"{len(after)} requests, {len(tried_dead)} tried the dead replica, "
            f"{len(failed)} answered 5xx",
            flush=True,
        )
    lost = set(load.acknowledged.values()) - set(ids)
    assert not lost
    assert len(ids) == len(set(ids)) == len(load.acknowledged)  # retries made no duplicates
    assert len(after) > 100  # enough traffic after the kill to see where it went
    # Only what was in flight on it (8 at most) failed, plus nginx's retries of the dead
    # replica, one each fail_timeout: then it was passed over.
    assert len(failed) <= 8 + 2 * (10 // FAIL_TIMEOUT_S + 1)
    assert len(tried_dead) <= 8 + 2 * 2 * (10 // FAIL_TIMEOUT_S + 1)
    assert all(line["status"] < 500 for line in after[-50:])  # the load ended healthy
    # Served by the live two (a request may have tried the dead one first, and moved on).
    assert {line["upstream"].split(", ")[-1] for line in after[-50:]} <= {
        proxied.address(r) for r in proxied.replicas if r is not victim
    }
