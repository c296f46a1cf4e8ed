"""The in-process caches in `/metrics` of a real service process, alone and as the workers
of `serve --workers 2` (prometheus-client's multiprocess mode): every cache is listed with
its capacity, and lookups show as hits and misses."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from chat_service.infra.settings import Settings
from tests.conftest import unique_name
from tests.integration.processes import start_service, stop_service

# Each cache app.py makes, with its default capacity (.env.example).
CAPACITIES = {
    "rendered_messages": 20_000,
    "decoded_messages": 20_000,
    "timeline_pages": 16 * 2**20,
    "timeline_floors": 100_000,
    "absent_timelines": 100_000,
    "verified_tokens": 20_000,
    "members": 100_000,
    "rosters": 10_000,
    "known_users": 1_000_000,
    "known_direct_conversations": 200_000,
    "known_bucket_rows": 100_000,
    "session_generations": 100_000,
    "marks": 50_000,
    "known_search_windows": 100_000,
}


async def _traffic(base: str) -> None:
    """Two users, a few direct messages and history reads, on fresh connections (so that
    the kernel spreads them over the workers)."""
    connector = aiohttp.TCPConnector(force_close=True)
    async with aiohttp.ClientSession(connector=connector) as http:
        names = [unique_name("cm"), unique_name("cm")]
        for name in names:
            body = {"username": name, "password": "cache-metrics-pw"}
            await (await http.post(f"{base}/api/v1/auth/register", json=body)).read()
        body = {"username": names[0], "password": "cache-metrics-pw"}
        login = await (await http.post(f"{base}/api/v1/auth/login", json=body)).json()
        headers = {"Authorization": f"Bearer {login['token']}"}
        for _ in range(4):
            body = {"recipient": names[1], "content": "counted"}
            sent = await http.post(f"{base}/api/v1/messages/send", json=body, headers=headers)
            assert sent.status == 201
            read = await http.get(f"{base}/api/v1/messages", headers=headers)
            assert read.status == 200


async def _local_caches(base: str) -> dict[str, dict[str, float]]:
    """metric name -> cache -> value."""
    async with aiohttp.ClientSession() as http, http.get(f"{base}/metrics") as response:
        text = await response.text()
    found: dict[str, dict[str, float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name.startswith("local_cache_"):
                found.setdefault(sample.name, {})[sample.labels["cache"]] = sample.value
    return found


def _published(found: dict[str, dict[str, float]], workers: int) -> bool:
    """True once every worker has published what the traffic did."""
    return (
        found.get("local_cache_max_size") == {n: c * workers for n, c in CAPACITIES.items()}
        and found["local_cache_hits_total"].get("verified_tokens", 0) > 0
        and found["local_cache_misses_total"].get("known_users", 0) > 0
        and found["local_cache_size"].get("known_bucket_rows", 0) > 0
    )


@pytest.mark.parametrize("workers", [1, 2])
async def test_every_cache_is_in_metrics_with_its_counts(migrated: Settings, workers: int) -> None:
    service = await start_service(migrated, arguments=["--workers", str(workers)])
    try:
        await _traffic(service.url)
        found: dict[str, dict[str, float]] = {}
        for _ in range(100):  # published once a second by each worker
            found = await _local_caches(service.url)
            if _published(found, workers):
                break
            await asyncio.sleep(0.2)
    finally:
        await stop_service(service)
    assert _published(found, workers), found
    assert set(found["local_cache_evictions_total"]) == set(CAPACITIES)
