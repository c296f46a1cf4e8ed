"""`GET /ws`: live events over WebSocket (see `hub.py` for delivery)."""

from __future__ import annotations

import orjson
from aiohttp import WSCloseCode, WSMsgType, web

from chat_service.api.context import CALLER, HUB, LIVE
from chat_service.api.hub import CLOSE_IDLE

_PONG = '{"type": "pong", "data": {}}'
_ENDED = (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR)


async def websocket(request: web.Request) -> web.StreamResponse:
    """Upgrade; `auth.py` has refused a bad token (`?token=` or the header) with 401."""
    claims = request[CALLER]
    settings = request.app[LIVE]
    ws = web.WebSocketResponse(heartbeat=settings.heartbeat_s, max_msg_size=4096)
    hub = request.app[HUB]
    await hub.watch(claims.username)  # subscribed before the client sees the socket open
    try:
        await ws.prepare(request)
    except BaseException:
        hub.unwatch(claims.username)
        raise
    connection = hub.connect(ws, claims.username)
    try:
        while True:
            try:
                frame = await ws.receive(timeout=settings.idle_timeout_s)
            except TimeoutError:
                await connection.close(CLOSE_IDLE, "idle timeout")
                break
            if frame.type in _ENDED:
                break
            if frame.type == WSMsgType.TEXT and _is_ping(frame.data):
                connection.offer(_PONG)
    finally:
        hub.disconnect(connection)
        hub.unwatch(claims.username)
        await connection.close(WSCloseCode.OK, "bye")
    return ws


def _is_ping(text: str) -> bool:
    """Clients may send {"type": "ping"} to keep a quiet connection from idling out."""
    try:
        message = orjson.loads(text)
    except orjson.JSONDecodeError:
        return False
    return isinstance(message, dict) and message.get("type") == "ping"
