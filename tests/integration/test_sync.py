"""Catching up with `/sync` over real sockets and two real service processes: what a client
missed while away comes back exactly once, in order; routing hears only its own users."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from chat_service.domain.stream import StreamPosition, ticks_of_ns
from chat_service.infra.settings import Settings
from tests.integration.processes import ServiceProcess, services
from tests.integration.test_live import Api

DAY_NS = 86_400 * 10**9


@pytest.fixture(scope="module")
async def pair(migrated: Settings) -> AsyncIterator[list[ServiceProcess]]:
    async with services(migrated, 2, EVENT_SHARDS="4096") as started:
        yield started


@pytest.fixture(scope="module")
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def sync(api: Api, token: str, since: str | None = None, limit: int = 100) -> Any:
    query = f"?limit={limit}" + (f"&since={since}" if since else "")
    return await api.call("GET", f"/sync{query}", token)


async def collect(ws: aiohttp.ClientWebSocketResponse, count: int) -> list[dict]:
    return [await ws.receive_json(timeout=5) for _ in range(count)]


def summary(events: list[dict]) -> list[tuple[str, Any]]:
    return [(e["type"], e["data"].get("content", e["data"].get("username"))) for e in events]


async def test_a_client_back_from_away_gets_exactly_what_it_missed(pair, http) -> None:
    one, two = Api(http, pair[0]), Api(http, pair[1])
    (_ann, ann_token), (bob, bob_token), (cyd, _) = [await one.user() for _ in range(3)]
    away = await two.socket(bob_token)  # bob's phone, on the second process
    stays = await one.socket(bob_token)  # bob's laptop, on the first, connected throughout
    room = await one.call("POST", "/conversations", ann_token, name="Room", members=[bob, cyd])
    path = f"/conversations/{room['id']}"
    first = await one.call("POST", f"{path}/messages", ann_token, content="hello")
    (heard,) = await collect(away, 1)
    assert heard["type"] == "message.created" and heard["data"]["id"] == first["id"]
    assert (await collect(stays, 1))[0]["data"]["id"] == first["id"]
    phone_since = heard["stream_id"]  # the phone handled this event, then goes away
    await away.close()

    await one.call("PATCH", f"{path}/messages/{first['id']}", ann_token, content="hello!")
    await one.call("DELETE", f"{path}/messages/{first['id']}", ann_token)
    await two.call("DELETE", f"{path}/members/{cyd}", ann_token)
    await one.call("POST", f"{path}/read", bob_token, message_id=first["id"])
    live = await collect(stays, 5)  # what a device that never left heard meanwhile

    page = await sync(two, bob_token, phone_since)
    assert summary(page["events"]) == summary(live)
    assert summary(page["events"]) == [
        ("message.updated", "hello!"),
        ("message.deleted", None),
        ("message.created", None),  # the history's "cyd left" line
        ("conversation.member_left", cyd),
        ("conversation.read", bob),
    ]
    assert page["has_more"] is False
    assert all(e["stream_id"] for e in page["events"])
    assert (await sync(one, bob_token, page["next_since"]))["events"] == []
    # Resuming from any event's stream_id gives exactly what follows it.
    middle = page["events"][1]["stream_id"]
    assert summary((await sync(one, bob_token, middle))["events"]) == summary(live[2:])
    await stays.close()


async def test_the_live_stream_id_resumes_exactly_after_its_event(pair, http) -> None:
    one, two = Api(http, pair[0]), Api(http, pair[1])
    (_ann, ann_token), (bob, bob_token) = [await one.user() for _ in range(2)]
    ws = await two.socket(bob_token)
    sent = [
        await one.call("POST", "/messages/send", ann_token, recipient=bob, content=f"m{i}")
        for i in range(3)
    ]
    live = await collect(ws, 3)
    await ws.close()
    assert [e["data"]["id"] for e in live] == [m["id"] for m in sent]
    later = await one.call("POST", "/messages/send", ann_token, recipient=bob, content="later")
    page = await sync(one, bob_token, live[-1]["stream_id"])
    assert [e["data"]["id"] for e in page["events"]] == [later["id"]]
    page = await sync(one, bob_token, live[0]["stream_id"])
    assert [e["data"]["id"] for e in page["events"]] == [sent[1]["id"], sent[2]["id"], later["id"]]


async def test_a_position_older_than_the_retention_gets_410(pair, http) -> None:
    api = Api(http, pair[0])
    _, token = await api.user()
    old = StreamPosition(ticks_of_ns(time.time_ns() - 8 * DAY_NS)).encode()
    async with http.get(
        f"{api.base}/sync?since={old}", headers={"Authorization": f"Bearer {token}"}
    ) as response:
        assert response.status == 410
        assert (await response.json())["error"]["code"] == "sync_expired"


@pytest.mark.parametrize("query", ["since=nope!", "since=AQ", "limit=0", "limit=501", "limit=x"])
async def test_malformed_input_is_400(pair, http, query: str) -> None:
    api = Api(http, pair[0])
    _, token = await api.user()
    async with http.get(
        f"{api.base}/sync?{query}", headers={"Authorization": f"Bearer {token}"}
    ) as response:
        assert response.status == 400, await response.text()


async def test_without_since_the_current_position_and_no_events(pair, http) -> None:
    api = Api(http, pair[0])
    (_ann, ann_token), (bob, bob_token) = [await api.user() for _ in range(2)]
    page = await sync(api, bob_token)
    assert page["events"] == [] and page["has_more"] is False
    sent = await api.call("POST", "/messages/send", ann_token, recipient=bob, content="hi")
    after = await sync(api, bob_token, page["next_since"])
    assert [e["data"]["id"] for e in after["events"]] == [sent["id"]]


async def _decoded(http: aiohttp.ClientSession, service: ServiceProcess) -> float:
    async with http.get(f"{service.url}/metrics") as response:
        text = await response.text()
    match = re.search(r"^bus_events_decoded_total ([0-9.e+]+)$", text, re.MULTILINE)
    assert match, "the metric is exported"
    return float(match.group(1))


async def test_a_process_decodes_only_its_own_users_events(pair, http) -> None:
    one, two = Api(http, pair[0]), Api(http, pair[1])
    (_ann, ann_token), (bob, bob_token) = [await one.user() for _ in range(2)]
    ws = await one.socket(bob_token)
    before = [await _decoded(http, s) for s in pair]
    for i in range(5):
        await two.call("POST", "/messages/send", ann_token, recipient=bob, content=f"m{i}")
    await collect(ws, 5)
    await ws.close()
    after = [await _decoded(http, s) for s in pair]
    assert after[0] - before[0] == 5  # bob's process decoded bob's events
    assert after[1] - before[1] == 0  # the sender's process has nobody to deliver them to
