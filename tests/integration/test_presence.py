"""Presence against the real stores: the route's rules, sockets, and the saved copy."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from aiohttp import ClientWebSocketResponse
from aiohttp.test_utils import TestClient
from redis.asyncio import Redis

from chat_service.domain.models import Presence
from chat_service.infra.cassandra import CassandraSession
from chat_service.infra.settings import Settings
from chat_service.repos.cache.presence import Offline, OnlineUsers
from chat_service.repos.presence import PresenceRepository
from chat_service.services.presence import PresenceService
from tests.conftest import unique_name
from tests.integration.api import API, error_of, new_user
from tests.integration.test_send_follow_up import CountingConnection

NOW_MS = 1_800_000_000_000  # a whole minute
_NS_PER_MS = 1_000_000


async def _presence(client: TestClient, headers: dict[str, str], names: str) -> list[dict]:
    response = await client.get(
        f"{API}/users/presence", params={"usernames": names}, headers=headers
    )
    assert response.status == 200, await response.text()
    return (await response.json())["presence"]


async def _eventually_offline(client: TestClient, headers: dict[str, str], name: str) -> dict:
    """The socket's close is handled by the server after the client's returns."""
    for _ in range(100):
        (found,) = await _presence(client, headers, name)
        if not found["online"]:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"{name} stayed online")


async def _socket(client: TestClient, token: str) -> ClientWebSocketResponse:
    """A socket the server has counted: it answered a ping, so its user is online."""
    ws = await client.ws_connect(f"/ws?token={token}")
    await ws.send_json({"type": "ping"})
    assert (await ws.receive_json(timeout=10))["type"] == "pong"
    return ws


async def test_names_are_checked(client: TestClient) -> None:
    _, headers = await new_user(client)
    too_many = ",".join(f"user{i:03d}" for i in range(101))
    for query in ({}, {"usernames": ""}, {"usernames": "a"}, {"usernames": "ann,,bob"},
                  {"usernames": too_many}):  # fmt: skip
        response = await client.get(f"{API}/users/presence", params=query, headers=headers)
        assert response.status == 400, query
        assert (await error_of(response))["code"] == "invalid_input"
    response = await client.get(f"{API}/users/presence", params={"usernames": "ann"})
    assert response.status == 401


async def test_unknown_and_repeated_names(client: TestClient) -> None:
    me, headers = await new_user(client)
    ghost = unique_name("ghost")
    hundred = ",".join([ghost.upper(), me, ghost] + [f"user{i:03d}" for i in range(97)])
    found = await _presence(client, headers, hundred)
    assert len(found) == 99
    assert found[0] == {"username": ghost, "online": False, "last_seen_at": None}
    assert found[1] == {"username": me, "online": False, "last_seen_at": None}


async def test_online_while_a_socket_is_open_then_last_seen_to_the_minute(
    client: TestClient,
) -> None:
    ann, ann_h = await new_user(client)
    _, bob_h = await new_user(client)
    token = ann_h["Authorization"].removeprefix("Bearer ")
    phone, laptop = await _socket(client, token), await _socket(client, token)
    assert await _presence(client, bob_h, ann) == [
        {"username": ann, "online": True, "last_seen_at": None}
    ]
    await phone.close()
    assert (await _presence(client, bob_h, ann))[0]["online"]
    before = datetime.now(UTC).replace(second=0, microsecond=0)
    await laptop.close()
    found = await _eventually_offline(client, bob_h, ann)
    seen = datetime.fromisoformat(found["last_seen_at"].replace("000Z", "+00:00"))
    assert found["last_seen_at"].endswith(":00.000000000Z")
    assert before <= seen <= datetime.now(UTC)


@pytest.fixture
def online(redis: Redis) -> OnlineUsers:
    return OnlineUsers(redis)


@pytest.fixture
async def saved(migrated: Settings) -> AsyncIterator[PresenceRepository]:
    db = await CassandraSession.connect(migrated, keyspace=migrated.cassandra_keyspace)
    try:
        yield await PresenceRepository.create(db)
    finally:
        await db.close()


async def test_cassandra_answers_when_redis_forgot(
    online: OnlineUsers, saved: PresenceRepository, redis: Redis
) -> None:
    """On the service itself, with a fixed clock: `disconnected` returns once Cassandra's
    copy is written (over HTTP the socket's close answers before that, so a read could
    race the save), and the time is the clock's, not whichever minute the run is in."""
    closed_ms = NOW_MS + 30_500  # half a minute into the minute of NOW_MS
    presence = PresenceService(
        online, saved, ttl_s=60, save_every_s=900, clock_ms=lambda: closed_ms
    )
    ann = unique_name()
    await presence.connected(ann)
    await presence.disconnected(ann)
    seen = [Presence(ann, False, NOW_MS * _NS_PER_MS)]  # to the minute
    assert await presence.read([ann]) == seen
    assert await saved.last_seen([ann]) == {ann: closed_ms}  # the first offline, at once
    await redis.delete(f"presence:{{{ann}}}:last")
    assert await presence.read([ann]) == seen
    assert await online.read([ann], closed_ms) == [(False, closed_ms)]  # remembered again


async def test_two_processes_one_user(online: OnlineUsers) -> None:
    name = unique_name()
    await online.online([name], "one", NOW_MS, 60_000)
    await online.online([name], "two", NOW_MS, 60_000)
    assert await online.offline(name, "one", NOW_MS + 1, 900) is Offline.STILL_ONLINE
    assert await online.read([name], NOW_MS + 2) == [(True, NOW_MS)]
    assert await online.offline(name, "two", NOW_MS + 3, 900) is Offline.OFFLINE_SAVE
    assert await online.read([name], NOW_MS + 4) == [(False, NOW_MS + 3)]
    await online.online([name], "one", NOW_MS + 5, 60_000)
    assert await online.offline(name, "one", NOW_MS + 6, 900) is Offline.OFFLINE  # saved lately


async def test_a_missed_save_is_due_again(online: OnlineUsers) -> None:
    name = unique_name()
    await online.online([name], "one", NOW_MS, 60_000)
    assert await online.offline(name, "one", NOW_MS + 1, 900) is Offline.OFFLINE_SAVE
    await online.save_missed(name)
    await online.online([name], "one", NOW_MS + 2, 60_000)
    assert await online.offline(name, "one", NOW_MS + 3, 900) is Offline.OFFLINE_SAVE


async def test_a_dead_process_entries_run_out(online: OnlineUsers) -> None:
    name, other = unique_name(), unique_name()
    await online.online([name, other], "dead", NOW_MS, 60_000)
    await online.online([other], "alive", NOW_MS + 30_000, 60_000)  # a renewal
    assert await online.read([name, other], NOW_MS + 60_000) == [
        (False, NOW_MS),
        (True, NOW_MS + 30_000),
    ]
    assert await online.offline(other, "alive", NOW_MS + 60_001, 900) is Offline.OFFLINE_SAVE


async def test_a_remembered_time_never_replaces_a_newer_one(online: OnlineUsers) -> None:
    name, never = unique_name(), unique_name()
    await online.online([name], "one", NOW_MS, 60_000)
    await online.remember_last_seen({name: NOW_MS - 1, never: None})
    assert await online.read([name, never], NOW_MS + 60_000) == [(False, NOW_MS), (False, 0)]


async def test_sockets_closing_together_go_offline_in_one_round_trip(
    migrated: Settings,
) -> None:
    counted = Redis.from_url(migrated.redis_url, connection_class=CountingConnection)
    online = OnlineUsers(counted)
    names = [unique_name() for _ in range(50)]
    try:
        await online.online(names, "one", NOW_MS, 60_000)
        await online.online(names[:1], "two", NOW_MS, 60_000)
        before = CountingConnection.sent
        outcomes = await asyncio.gather(
            *(online.offline(name, "one", NOW_MS + 1, 900) for name in names)
        )
        assert CountingConnection.sent - before == 1
        assert outcomes == [Offline.STILL_ONLINE] + [Offline.OFFLINE_SAVE] * 49
        assert await online.read(names[:2], NOW_MS + 2) == [(True, NOW_MS), (False, NOW_MS + 1)]
    finally:
        await counted.aclose()


async def test_a_script_redis_lost_is_loaded_again(redis: Redis) -> None:
    online = OnlineUsers(redis)
    online._online.sha = online._offline.sha = "0" * 40  # as after a restart of Redis
    name = unique_name()
    await online.online([name], "one", NOW_MS, 60_000)
    assert await online.offline(name, "one", NOW_MS + 1, 900) is Offline.OFFLINE_SAVE
