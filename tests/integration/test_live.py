"""Live delivery over real WebSockets, across two real service processes."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from chat_service.infra.settings import Settings
from tests.conftest import unique_name
from tests.integration.processes import ServiceProcess, free_port, services
from tools.local_redis import localredis

PASSWORD = "correct horse battery"
QUEUE_SIZE = 16


@pytest.fixture(scope="module")
async def pair(migrated: Settings) -> AsyncIterator[list[ServiceProcess]]:
    async with services(migrated, 2, WS_QUEUE_SIZE=str(QUEUE_SIZE)) as started:
        yield started


@pytest.fixture(scope="module")
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


class Api:
    def __init__(self, http: aiohttp.ClientSession, service: ServiceProcess) -> None:
        self.http = http
        self.base = f"{service.url}/api/v1"
        self.service = service

    async def call(self, method: str, path: str, token: str | None = None, **body: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self.http.request(
            method, f"{self.base}{path}", json=body or None, headers=headers
        ) as response:
            assert response.status < 300, (response.status, await response.text())
            return await response.json() if response.status != 204 else None

    async def user(self) -> tuple[str, str]:
        name = unique_name()
        await self.call("POST", "/auth/register", username=name, password=PASSWORD)
        return name, (await self.call("POST", "/auth/login", username=name, password=PASSWORD))[
            "token"
        ]

    async def socket(self, token: str) -> aiohttp.ClientWebSocketResponse:
        return await self.http.ws_connect(f"{self.service.url}/ws?token={token}")


async def next_event(ws: aiohttp.ClientWebSocketResponse, kind: str, within: float = 5) -> dict:
    """The next event of `kind`, skipping others."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        remaining = deadline - asyncio.get_running_loop().time()
        message = await ws.receive_json(timeout=max(remaining, 0.01))
        if message["type"] == kind:
            return message["data"]


async def no_event(ws: aiohttp.ClientWebSocketResponse, wait: float = 0.5) -> None:
    with pytest.raises(asyncio.TimeoutError):
        await ws.receive_json(timeout=wait)


async def test_bad_tokens_are_refused_before_the_upgrade(pair, http) -> None:
    for query in ["", "?token=nope"]:
        async with http.get(f"{pair[0].url}/ws{query}") as response:
            assert response.status == 401
            assert response.headers["WWW-Authenticate"] == "Bearer"
            assert (await response.json())["error"]["code"] == "unauthorized"


async def test_direct_message_reaches_every_device_across_processes(pair, http) -> None:
    one, two = Api(http, pair[0]), Api(http, pair[1])
    ann, ann_token = await one.user()
    _, bob_token = await one.user()
    ann_phone, ann_laptop = await one.socket(ann_token), await two.socket(ann_token)
    bob_socket = await one.socket(bob_token)
    sent = await two.call("POST", "/messages/send", bob_token, recipient=ann, content="hi ann")
    for ws in (ann_phone, ann_laptop, bob_socket):  # the sender's own devices too
        event = await next_event(ws, "message.created")
        assert event["id"] == sent["id"] and event["content"] == "hi ann"
    conversation = sent["conversation_id"]
    await one.call(
        "PATCH", f"/conversations/{conversation}/messages/{sent['id']}", bob_token, content="edited"
    )
    assert (await next_event(ann_laptop, "message.updated"))["content"] == "edited"
    await two.call("DELETE", f"/conversations/{conversation}/messages/{sent['id']}", bob_token)
    deleted = await next_event(ann_phone, "message.deleted")
    assert deleted["deleted"] is True and deleted["content"] is None
    await two.call("POST", f"/conversations/{conversation}/read", ann_token, message_id=sent["id"])
    read = await next_event(ann_phone, "conversation.read")
    assert read == {"conversation_id": conversation, "username": ann, "message_id": sent["id"]}
    for ws in (ann_phone, ann_laptop, bob_socket):
        await ws.close()


async def test_joining_starts_events_and_removal_stops_them(pair, http) -> None:
    one, two = Api(http, pair[0]), Api(http, pair[1])
    _, owner_token = await one.user()
    joiner, joiner_token = await one.user()
    group = await one.call("POST", "/conversations", owner_token, name="Live", members=[])
    joiner_ws, owner_ws = await two.socket(joiner_token), await one.socket(owner_token)
    await one.call("POST", f"/conversations/{group['id']}/messages", owner_token, content="before")
    await next_event(owner_ws, "message.created")
    await no_event(joiner_ws)
    await two.call("POST", f"/conversations/{group['id']}/join", joiner_token)
    assert (await next_event(owner_ws, "conversation.member_joined"))["username"] == joiner
    joined = await next_event(joiner_ws, "message.created")  # the history's system event
    assert joined["type"] == "member_joined" and joined["sender"] == joiner
    await one.call("POST", f"/conversations/{group['id']}/messages", owner_token, content="after")
    assert (await next_event(joiner_ws, "message.created"))["content"] == "after"
    assert (await next_event(owner_ws, "message.created"))["content"] == "after"
    await one.call("DELETE", f"/conversations/{group['id']}/members/{joiner}", owner_token)
    assert (await next_event(joiner_ws, "conversation.member_left"))["username"] == joiner
    await one.call("POST", f"/conversations/{group['id']}/messages", owner_token, content="secret")
    while (await next_event(owner_ws, "message.created"))["content"] != "secret":
        pass  # the removal's own system event comes first
    await no_event(joiner_ws)
    await joiner_ws.close()
    await owner_ws.close()


async def test_a_member_removed_in_one_process_cannot_read_in_the_other(pair, http) -> None:
    """The other process remembered the member (no read per request) and forgets them
    before it delivers the removal's event."""
    one, two = Api(http, pair[0]), Api(http, pair[1])
    _, owner_token = await one.user()
    reader, reader_token = await one.user()
    group = await one.call("POST", "/conversations", owner_token, name="Gone", members=[reader])
    history = f"{two.base}/conversations/{group['id']}/messages"
    headers = {"Authorization": f"Bearer {reader_token}"}
    reader_ws = await two.socket(reader_token)
    for _ in range(2):
        async with http.get(history, headers=headers) as response:
            assert response.status == 200
    await one.call("DELETE", f"/conversations/{group['id']}/members/{reader}", owner_token)
    assert (await next_event(reader_ws, "conversation.member_left"))["username"] == reader
    async with http.get(history, headers=headers) as response:
        assert response.status == 404
    await reader_ws.close()


async def test_ping_is_answered(pair, http) -> None:
    api = Api(http, pair[0])
    _, token = await api.user()
    ws = await api.socket(token)
    await ws.send_json({"type": "ping"})
    assert (await ws.receive_json(timeout=5))["type"] == "pong"
    await ws.close()


async def _stalled_socket(service: ServiceProcess, token: str) -> socket.socket:
    """A WebSocket client that completes the handshake and then never reads."""
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.connect(("127.0.0.1", service.port))
    raw.sendall(
        (
            f"GET /ws?token={token} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    assert b" 101 " in raw.recv(1024)
    return raw


async def test_a_slow_consumer_is_cut_off_without_delaying_others(pair, http) -> None:
    api = Api(http, pair[0])
    _, sender_token = await api.user()
    reader, reader_token = await api.user()
    stalled = await _stalled_socket(pair[0], reader_token)
    fast = await api.socket(reader_token)
    big = "x" * 3990
    received = 0
    semaphore = asyncio.Semaphore(16)

    async def send(i: int) -> None:
        async with semaphore:
            await api.call(
                "POST", "/messages/send", sender_token, recipient=reader, content=f"{i}{big}"
            )

    sending = asyncio.gather(*(send(i) for i in range(1500)))
    while received < 1500:
        message = await fast.receive_json(timeout=10)
        received += message["type"] == "message.created"
    await sending
    assert received == 1500  # every event reached the reader's healthy device
    tail = await asyncio.to_thread(_drain, stalled)
    assert b"\x0f\xa8slow consumer" in tail  # a close frame with code 4008
    await fast.close()


def _drain(raw: socket.socket) -> bytes:
    """Everything the server sent the stalled client, up to the end of the connection."""
    raw.settimeout(20)
    chunks = []
    while chunk := raw.recv(1 << 20):
        chunks.append(chunk)
    raw.close()
    return b"".join(chunks)[-4096:]


async def test_graceful_shutdown_closes_sockets_with_1001(migrated: Settings, http) -> None:
    async with services(migrated, 1) as (service,):
        api = Api(http, service)
        _, token = await api.user()
        ws = await api.socket(token)
        service.process.terminate()
        message = await ws.receive(timeout=10)
    assert message.type == aiohttp.WSMsgType.CLOSE and message.data == 1001


async def test_redis_outage_is_reported_and_delivery_resumes(
    migrated: Settings, http, tmp_path
) -> None:
    port = free_port()
    await asyncio.to_thread(localredis.start_redis, port, tmp_path)
    own_redis = migrated.model_copy(update={"redis_url": f"redis://127.0.0.1:{port}/0"})
    try:
        async with services(own_redis, 1) as (service,):
            api = Api(http, service)
            ann, ann_token = await api.user()
            _, bob_token = await api.user()
            ws = await api.socket(ann_token)
            await asyncio.to_thread(localredis.stop_redis, port, tmp_path)
            assert "reason" in await next_event(ws, "system.degraded", within=15)
            # Messaging keeps working without Redis.
            await api.call("POST", "/messages/send", bob_token, recipient=ann, content="lost?")
            await asyncio.to_thread(localredis.start_redis, port, tmp_path)
            await next_event(ws, "system.recovered", within=15)
            sent = await api.call(
                "POST", "/messages/send", bob_token, recipient=ann, content="back"
            )
            assert (await next_event(ws, "message.created"))["id"] == sent["id"]
            await ws.close()
    finally:
        await asyncio.to_thread(localredis.stop_redis, port, tmp_path)
