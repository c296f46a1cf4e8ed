"""`/api/v1/health` (the reference service's keys plus per-store checks) and `/api/v1/ready`."""

from __future__ import annotations

from aiohttp import web

from chat_service.api.context import SERVICES
from chat_service.api.json import error_response, json_response
from chat_service.domain.clock import format_ns, now_ns


def _state(up: bool) -> str:
    return "up" if up else "down"


async def health(request: web.Request) -> web.Response:
    """200 while the process is alive, with the reference service's `"Status": "ALIVE"`;
    `checks` says which stores answer."""
    state = await request.app[SERVICES].health.check()
    return json_response(
        {
            "Status": "ALIVE",
            "HeartBeat": format_ns(now_ns()),
            "Message": "Service is healthy" if state.all_up else "A backing store is down",
            "checks": {"cassandra": _state(state.cassandra), "redis": _state(state.redis)},
        }
    )


async def ready(request: web.Request) -> web.Response:
    if await request.app[SERVICES].health.ready():
        return json_response({"ready": True})
    return error_response(503, "not_ready", "Cassandra does not answer.")
