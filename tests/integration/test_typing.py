"""Typing against the real stores: the route, the socket frame, dedup and its costs."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import ClientWebSocketResponse
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import Counter, Histogram
from redis.asyncio import Redis

from chat_service.app import create_app
from chat_service.infra import metrics
from chat_service.infra.settings import Settings
from chat_service.repos.cache.typing import TypingRegistry
from tests.integration.api import API, new_user
from tests.integration.conversations_api import create_group, post

NOW_MS = 1_800_000_000_000


def _token(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


def _total(metric: Counter | Histogram) -> float:
    """A counter's value, or how many observations a histogram has, over every label."""
    suffix = "_count" if isinstance(metric, Histogram) else "_total"
    return sum(
        sample.value
        for family in metric.collect()
        for sample in family.samples
        if sample.name.endswith(suffix)
    )


async def _typing(client: TestClient, headers: dict[str, str], conversation: str) -> int:
    response = await client.post(f"{API}/conversations/{conversation}/typing", headers=headers)
    return response.status


async def _socket(client: TestClient, headers: dict[str, str]) -> ClientWebSocketResponse:
    """A socket the server has registered: it answered a ping."""
    ws = await client.ws_connect(f"/ws?token={_token(headers)}")
    await ws.send_json({"type": "ping"})
    assert (await ws.receive_json(timeout=10))["type"] == "pong"
    return ws


async def _next_typing(ws: ClientWebSocketResponse) -> dict[str, Any]:
    while True:
        message = await ws.receive_json(timeout=10)
        if message["type"] == "typing":
            return message["data"]


async def test_only_members_may_signal(client: TestClient) -> None:
    _, owner = await new_user(client)
    _, outsider = await new_user(client)
    group = await create_group(client, owner, [])
    assert await _typing(client, owner, group["id"]) == 204
    for conversation in (group["id"], str(uuid.uuid4()), "not-a-uuid"):
        response = await client.post(f"{API}/conversations/{conversation}/typing", headers=outsider)
        assert response.status == 404
        assert (await response.json())["error"]["code"] == "not_found"


async def test_the_other_members_hear_who_is_typing_until_one_sends(client: TestClient) -> None:
    ann, ann_h = await new_user(client)
    bob, bob_h = await new_user(client)
    cat, cat_h = await new_user(client)
    group = await create_group(client, ann_h, [bob, cat])
    bob_ws, ann_ws = await _socket(client, bob_h), await _socket(client, ann_h)
    assert await _typing(client, ann_h, group["id"]) == 204
    assert await _next_typing(bob_ws) == {"conversation_id": group["id"], "usernames": [ann]}
    await cat_ws_signal(client, cat_h, group["id"])
    assert (await _next_typing(bob_ws))["usernames"] == sorted([ann, cat])
    assert (await _next_typing(ann_ws))["usernames"] == sorted([ann, cat])
    await post(client, ann_h, group["id"], "done typing")
    assert (await _next_typing(bob_ws))["usernames"] == [cat]
    for ws in (bob_ws, ann_ws):
        await ws.close()


async def cat_ws_signal(client: TestClient, headers: dict[str, str], conversation: str) -> None:
    """A signal sent as a WebSocket frame rather than over HTTP."""
    ws = await client.ws_connect(f"/ws?token={_token(headers)}")
    await ws.send_json({"type": "typing", "data": {"conversation_id": conversation}})
    await ws.send_json({"type": "ping"})  # frames are handled in order: the pong comes after
    while (await ws.receive_json(timeout=5))["type"] != "pong":
        pass
    await ws.close()


# Tables only background work writes: the mail outbox's worker (polling every second) and
# the last-seen saves of sockets that earlier tests closed, in the session's shared app.
# The statement metrics are process-wide, so these land in any window; no request here can
# cause them.
_BACKGROUND_TABLES = frozenset({"mail_outbox", "user_presence"})


def _request_statements() -> float:
    """Cassandra statements run in this process, but for those on `_BACKGROUND_TABLES`
    (the metric's `statement` label is the verb and the table, or `BATCH`)."""
    return sum(
        sample.value
        for family in metrics.CASSANDRA_LATENCY.collect()
        for sample in family.samples
        if sample.name.endswith("_count")
        and sample.labels["statement"].split()[-1] not in _BACKGROUND_TABLES
    )


@pytest.fixture
async def steady_client(migrated: Settings) -> AsyncIterator[TestClient]:
    """An app of its own whose remembered member lists and session generations outlive the
    test (they last seconds by default): once primed, a signal finds them in memory however
    slowly the machine runs the loop, so a re-read on expiry cannot fall in the window."""
    settings = migrated.model_copy(
        update={
            "local_cache_members_ttl_s": 3600.0,
            "local_cache_session_generations_ttl_s": 3600.0,
        }
    )
    async with TestClient(TestServer(create_app(settings))) as client:
        yield client


async def test_fifty_signals_cause_at_most_two_fan_outs_and_no_statement(
    steady_client: TestClient,
) -> None:
    client = steady_client
    _, ann_h = await new_user(client)
    bob, _ = await new_user(client)
    group = await create_group(client, ann_h, [bob])
    assert await _typing(client, ann_h, group["id"]) == 204  # reads the member list once
    signals, fan_outs = _total(metrics.TYPING_SIGNALS), _total(metrics.TYPING_FANOUTS)
    statements = _request_statements()
    for _ in range(50):
        assert await _typing(client, ann_h, group["id"]) == 204
    assert _total(metrics.TYPING_SIGNALS) - signals == 50
    assert _total(metrics.TYPING_FANOUTS) - fan_outs <= 2
    assert _request_statements() - statements == 0


async def test_a_foreign_or_malformed_frame_is_ignored(client: TestClient) -> None:
    _, ann_h = await new_user(client)
    _, outsider_h = await new_user(client)
    group = await create_group(client, ann_h, [])
    ws = await client.ws_connect(f"/ws?token={_token(outsider_h)}")
    for frame in (
        {"type": "typing", "data": {"conversation_id": group["id"]}},
        {"type": "typing", "data": {"conversation_id": "nope"}},
        {"type": "typing", "data": "x"},
        {"type": "typing"},
        [1, 2],
    ):
        await ws.send_json(frame)
    await ws.send_json({"type": "ping"})
    assert (await ws.receive_json(timeout=5))["type"] == "pong"  # still open, nothing else
    await ws.close()


@pytest.fixture
def registry(redis: Redis) -> TypingRegistry:
    return TypingRegistry(redis)


async def test_the_script_dedups_expires_and_stops(registry: TypingRegistry) -> None:
    room = uuid.uuid4()
    assert await registry.signal(room, "ann", NOW_MS, 5_000, 2_000) == ["ann"]
    assert await registry.signal(room, "ann", NOW_MS + 1_999, 5_000, 2_000) is None
    assert await registry.signal(room, "bob", NOW_MS + 2_000, 5_000, 2_000) == ["ann", "bob"]
    assert await registry.signal(room, "ann", NOW_MS + 2_000, 5_000, 2_000) == ["ann", "bob"]
    assert await registry.signal(room, "cat", NOW_MS + 6_999, 5_000, 2_000) == [
        "ann",
        "bob",
        "cat",
    ]
    # ann's and bob's last signals were at +2 s: at +7 s they no longer count.
    assert await registry.stop(room, "ann", NOW_MS + 7_000) == ["cat"]
    assert await registry.stop(room, "ann", NOW_MS + 7_001) is None
    assert await registry.signal(room, "ann", NOW_MS + 7_002, 5_000, 2_000) == ["ann", "cat"]
