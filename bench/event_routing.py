"""Per-process event work, before and after sharded routing: with 4 service processes and
users spread over them, the events each process decodes per second from the bus.

"Before" is `EVENT_SHARDS=1` (one channel that every process hears, as the single
`chat:events` channel was); "after" is the default number of shards. The same load runs
against both, half direct messages and half messages to groups of 8 random users; each
process's `bus_events_decoded_total` is read from `/metrics` before and after. Short runs
on a shared machine: the ratios matter, not the absolute rates.

    CASSANDRA_KEYSPACE=... REDIS_URL=... python -m bench.event_routing --duration 10

It uses the keyspace named by the environment, migrated (the test suite leaves one so).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import time
import uuid

import aiohttp

from chat_service.infra.settings import Settings
from tests.integration.processes import ServiceProcess, services

PASSWORD = "correct horse battery"
_DECODED = re.compile(r"^bus_events_decoded_total ([0-9.e+]+)$", re.MULTILINE)


async def _decoded(http: aiohttp.ClientSession, service: ServiceProcess) -> float:
    async with http.get(f"{service.url}/metrics") as response:
        match = _DECODED.search(await response.text())
    return float(match.group(1)) if match else 0.0


async def _user(http: aiohttp.ClientSession, base: str) -> tuple[str, str]:
    name = f"r{uuid.uuid4().hex[:12]}"
    body = {"username": name, "password": PASSWORD}
    async with http.post(f"{base}/api/v1/auth/register", json=body) as response:
        assert response.status == 201, await response.text()
    async with http.post(f"{base}/api/v1/auth/login", json=body) as response:
        return name, (await response.json())["token"]


async def _group(
    http: aiohttp.ClientSession, base: str, people: list[tuple[str, str]], rng: random.Random
) -> tuple[str, list[int]]:
    members = rng.sample(range(len(people)), 8)
    body = {"name": "routing", "members": [people[n][0] for n in members[1:]]}
    headers = {"Authorization": f"Bearer {people[members[0]][1]}"}
    async with http.post(f"{base}/api/v1/conversations", json=body, headers=headers) as response:
        assert response.status == 201, await response.text()
        return (await response.json())["id"], members


async def _drain(ws: aiohttp.ClientWebSocketResponse) -> None:
    async for _ in ws:
        pass


async def measure(
    settings: Settings, shards: int, users: int, rate: float, duration: float
) -> dict:
    """Decoded events per second of each of 4 processes, and events sent per second."""
    async with (
        services(settings, 4, EVENT_SHARDS=str(shards), SEND_LIMIT_PER_MINUTE="100000",
                 SEND_LIMIT_PER_DAY="1000000") as procs,
        aiohttp.ClientSession() as http,
    ):  # fmt: skip
        people = [await _user(http, procs[n % 4].url) for n in range(users)]
        sockets = [
            await http.ws_connect(f"{procs[n % 4].url}/ws?token={token}")
            for n, (_, token) in enumerate(people)
        ]
        draining = [asyncio.create_task(_drain(ws)) for ws in sockets]
        rng = random.Random(7)
        groups = [await _group(http, procs[0].url, people, rng) for _ in range(10)]
        before = [await _decoded(http, p) for p in procs]
        started, sent, deliveries = time.perf_counter(), 0, 0
        while time.perf_counter() - started < duration:
            if sent % 2:
                group_id, members = rng.choice(groups)
                sender = rng.choice(members)
                path, body = f"/conversations/{group_id}/messages", {"content": "routing"}
                audience = len(members)
            else:
                sender, recipient = rng.sample(range(users), 2)
                path, body = "/messages/send", {"recipient": people[recipient][0], "content": "r"}
                audience = 2
            async with http.post(
                f"{procs[sender % 4].url}/api/v1{path}",
                json=body,
                headers={"Authorization": f"Bearer {people[sender][1]}"},
            ) as response:
                if response.status == 201:
                    sent, deliveries = sent + 1, deliveries + audience
            await asyncio.sleep(max(0.0, sent / rate - (time.perf_counter() - started)))
        await asyncio.sleep(0.5)  # the last events reach their sockets
        elapsed = time.perf_counter() - started
        after = [await _decoded(http, p) for p in procs]
        for ws in sockets:
            await ws.close()
        await asyncio.gather(*draining)
    return {
        "sent_per_s": sent / elapsed,
        "deliveries_per_s": deliveries / elapsed,
        "decoded_per_s": [(a - b) / elapsed for a, b in zip(after, before, strict=True)],
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--users", type=int, default=80)
    parser.add_argument("--rate", type=float, default=50.0, help="messages per second")
    parser.add_argument("--shards", type=int, default=Settings.model_fields["event_shards"].default)
    args = parser.parse_args()
    settings = Settings()
    for label, shards in (
        ("before (1 channel)", 1),
        (f"after ({args.shards} shards)", args.shards),
    ):
        figures = await measure(settings, shards, args.users, args.rate, args.duration)
        per_process = ", ".join(f"{value:.0f}" for value in figures["decoded_per_s"])
        print(
            f"{label}: {figures['sent_per_s']:.0f} messages/s sent "
            f"({figures['deliveries_per_s']:.0f} deliveries); decoded per process /s: {per_process}"
        )


if __name__ == "__main__":
    asyncio.run(main())
