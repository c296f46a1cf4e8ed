"""`GET /ws`: live events over WebSocket (see `hub.py` for delivery).

Clients may send `{"type": "ping"}` (answered with a pong) and `{"type": "typing", "data":
{"conversation_id"}}`; other frames, and typing in a conversation the caller is not in, are
ignored. The socket is closed with 4002 when the access token it was opened with expires
(the client refreshes and reconnects), and with 4000 after `WS_IDLE_TIMEOUT_S` of silence.
While it is open its user counts as online (`services/presence.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid

import orjson
from aiohttp import WSCloseCode, WSMsgType, web

from chat_service.api.context import CALLER, HUB, LIVE, SERVICES
from chat_service.api.hub import CLOSE_IDLE
from chat_service.domain.errors import DomainError

CLOSE_TOKEN_EXPIRED = 4002
_PONG = '{"type": "pong", "data": {}}'
_ENDED = (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR)


async def websocket(request: web.Request) -> web.StreamResponse:
    """Upgrade; `auth.py` has refused a bad token (`?token=` or the header) with 401."""
    claims = request[CALLER]
    settings = request.app[LIVE]
    services = request.app[SERVICES]
    ws = web.WebSocketResponse(heartbeat=settings.heartbeat_s, max_msg_size=4096)
    hub = request.app[HUB]
    await hub.watch(claims.username)  # subscribed before the client sees the socket open
    try:
        await ws.prepare(request)
    except BaseException:
        hub.unwatch(claims.username)
        raise
    connection = hub.connect(ws, claims.username)
    loop = asyncio.get_running_loop()
    expires_at = loop.time() + (claims.expires_at_s - time.time())
    await services.presence.connected(claims.username)
    try:
        while True:
            until_expiry = expires_at - loop.time()
            if until_expiry <= 0:
                await connection.close(CLOSE_TOKEN_EXPIRED, "token expired")
                break
            try:
                frame = await ws.receive(timeout=min(settings.idle_timeout_s, until_expiry))
            except TimeoutError:
                # Which wait ran out (a timer may fire a hair early: do not read the clock).
                if until_expiry <= settings.idle_timeout_s:
                    await connection.close(CLOSE_TOKEN_EXPIRED, "token expired")
                else:
                    await connection.close(CLOSE_IDLE, "idle timeout")
                break
            if frame.type in _ENDED:
                break
            if frame.type != WSMsgType.TEXT:
                continue
            kind, data = _client_frame(frame.data)
            if kind == "ping":
                connection.offer(_PONG)
            elif kind == "typing" and (conversation_id := _conversation_id(data)) is not None:
                # Not a member (nothing is said of it), or a store is down: dropped.
                with contextlib.suppress(DomainError):
                    await services.typing.signal(claims.username, conversation_id)
    finally:
        hub.disconnect(connection)
        hub.unwatch(claims.username)
        # A task, awaited shielded: a handler cancelled because its client went away still
        # marks the user offline (and saves their last-seen time) to the end.
        offline = asyncio.ensure_future(services.presence.disconnected(claims.username))
        await connection.close(WSCloseCode.OK, "bye")
        await asyncio.shield(offline)
    return ws


def _client_frame(text: str) -> tuple[object, object]:
    """A client frame's `type` and `data`, or (None, None) for anything else."""
    try:
        message = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None, None
    if not isinstance(message, dict):
        return None, None
    return message.get("type"), message.get("data")


def _conversation_id(data: object) -> uuid.UUID | None:
    raw = data.get("conversation_id") if isinstance(data, dict) else None
    if not isinstance(raw, str):
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None
