"""Typing, presence and expired tokens over real WebSockets, across two service processes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest

from chat_service.infra.settings import Settings
from tests.integration.processes import ServiceProcess, services, start_service, stop_service
from tests.integration.test_live import Api, next_event

TOKEN_TTL_S = 4


@pytest.fixture(scope="module")
async def pair(migrated: Settings) -> AsyncIterator[list[ServiceProcess]]:
    async with services(migrated, 2) as started:
        yield started


@pytest.fixture(scope="module")
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def _presence(api: Api, token: str, *names: str) -> list[dict]:
    found = await api.call("GET", f"/users/presence?usernames={','.join(names)}", token)
    return found["presence"]


async def _counted(api: Api, token: str) -> aiohttp.ClientWebSocketResponse:
    """A socket the server has counted: it answered a ping, so its user is online."""
    ws = await api.socket(token)
    await ws.send_json({"type": "ping"})
    assert await next_event(ws, "pong", within=10) == {}
    return ws


async def _until_offline(api: Api, token: str, name: str) -> dict:
    """The server handles a close after the client's returns: ask until it has."""
    for _ in range(100):
        (found,) = await _presence(api, token, name)
        if not found["online"]:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"{name} stayed online")


async def test_typing_reaches_members_on_the_other_process(pair, http) -> None:
    one, two = Api(http, pair[0]), Api(http, pair[1])
    ann, ann_token = await one.user()
    bob, bob_token = await one.user()
    group = await one.call("POST", "/conversations", ann_token, name="Typing", members=[bob])
    bob_ws, ann_ws = await _counted(two, bob_token), await _counted(one, ann_token)
    await ann_ws.send_json({"type": "typing", "data": {"conversation_id": group["id"]}})
    assert await next_event(bob_ws, "typing") == {
        "conversation_id": group["id"],
        "usernames": [ann],
    }
    await two.call("POST", f"/conversations/{group['id']}/typing", bob_token)
    assert (await next_event(ann_ws, "typing"))["usernames"] == sorted([ann, bob])
    await two.call("POST", f"/conversations/{group['id']}/messages", ann_token, content="hi")
    assert (await next_event(bob_ws, "typing"))["usernames"] == [bob]
    for ws in (ann_ws, bob_ws):
        await ws.close()


async def test_joins_and_removals_in_one_process_reach_typing_in_the_other(pair, http) -> None:
    """Process two remembers the member list (no read per signal) and forgets it when a
    membership event made in process one reaches it."""
    one, two = Api(http, pair[0]), Api(http, pair[1])
    ann, ann_token = await one.user()
    bob, bob_token = await one.user()
    group = await one.call("POST", "/conversations", ann_token, name="Roster", members=[])
    ann_ws = await _counted(two, ann_token)
    await two.call("POST", f"/conversations/{group['id']}/typing", ann_token)  # remembered
    await one.call("POST", f"/conversations/{group['id']}/members", ann_token, username=bob)
    assert (await next_event(ann_ws, "conversation.member_joined"))["username"] == bob
    await two.call("POST", f"/conversations/{group['id']}/typing", bob_token)
    assert (await next_event(ann_ws, "typing"))["usernames"] == sorted([ann, bob])
    await one.call("DELETE", f"/conversations/{group['id']}/members/{bob}", ann_token)
    assert (await next_event(ann_ws, "conversation.member_left"))["username"] == bob
    async with http.post(
        f"{two.base}/conversations/{group['id']}/typing",
        headers={"Authorization": f"Bearer {bob_token}"},
    ) as response:
        assert response.status == 404
    await ann_ws.close()


async def test_presence_with_two_devices_on_two_processes(pair, http) -> None:
    one, two = Api(http, pair[0]), Api(http, pair[1])
    ann, ann_token = await one.user()
    _, bob_token = await one.user()
    phone, laptop = await _counted(one, ann_token), await _counted(two, ann_token)
    for api in (one, two):
        assert (await _presence(api, bob_token, ann))[0]["online"]
    await phone.close()
    await asyncio.sleep(0.3)  # let process one handle the close; ann must stay online
    for api in (one, two):
        assert await _presence(api, bob_token, ann) == [
            {"username": ann, "online": True, "last_seen_at": None}
        ]
    await laptop.close()
    seen = await _until_offline(one, bob_token, ann)
    assert seen["last_seen_at"] is not None and seen["last_seen_at"].endswith(":00.000000000Z")
    assert await _presence(two, bob_token, ann) == [seen]


async def _closing(ws: aiohttp.ClientWebSocketResponse, within: float) -> tuple[int | None, str]:
    """The close the server sends, answering its pings meanwhile (aiohttp does)."""
    closing = await ws.receive(timeout=within)
    assert closing.type == aiohttp.WSMsgType.CLOSE, closing
    return ws.close_code, closing.extra


async def _keep_pinging(ws: aiohttp.ClientWebSocketResponse) -> None:
    while not ws.closed:
        await ws.send_json({"type": "ping"})
        await asyncio.sleep(0.25)


async def test_sockets_close_when_idle_4000_or_when_their_token_expires_4002(
    migrated: Settings, http
) -> None:
    """Idle closes 1 s after the last frame; expiry closes at the token's `exp` however
    busy the socket is."""
    service = await start_service(
        migrated, JWT_ACCESS_TTL_S=str(TOKEN_TTL_S), WS_IDLE_TIMEOUT_S="1"
    )
    try:
        api = Api(http, service)
        _, token = await api.user()
        quiet, busy = await api.socket(token), await api.socket(token)
        pinging = asyncio.create_task(_keep_pinging(busy))
        assert await _closing(quiet, within=TOKEN_TTL_S) == (4000, "idle timeout")
        assert not busy.closed
        while (
            message := await busy.receive(timeout=TOKEN_TTL_S + 5)
        ).type is aiohttp.WSMsgType.TEXT:
            assert message.json()["type"] == "pong"
        assert message.type == aiohttp.WSMsgType.CLOSE
        assert (busy.close_code, message.extra) == (4002, "token expired")
        await pinging
        async with http.get(f"{service.url}/ws?token={token}") as response:
            assert response.status == 401  # the client refreshes, then reconnects
    finally:
        await stop_service(service)
