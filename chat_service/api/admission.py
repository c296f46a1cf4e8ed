"""Admission control: a bound on the requests one process works on at once.

Without it, overload queues without bound: every request is accepted, each gets a thinner
slice of the one event loop, and all of them get slow together. Beyond the bound a
request is refused at once with `503 overloaded` and `Retry-After`, which costs far less
than serving it, so the requests admitted keep their latency and the process keeps its
throughput (goodput) near capacity. nginx and clients retry elsewhere or later.

Probes (`/health`, `/ready`, `/metrics`) are never refused, so an overloaded process is
not mistaken for a dead one; `/ws` is exempt because a socket is held for its whole life
(its connections are bounded by the live settings, not by this).
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from chat_service.api.json import error_response
from chat_service.infra import metrics

EXEMPT_PATHS = frozenset({"/api/v1/health", "/api/v1/ready", "/metrics", "/ws"})
OVERLOADED_MESSAGE = "The service is overloaded; retry after Retry-After seconds."


class AdmissionControl:
    """Counts the requests in flight in this process and refuses those beyond `limit`."""

    def __init__(self, limit: int, retry_after_s: int) -> None:
        self.limit = limit
        self.in_flight = 0
        self._retry_after = str(retry_after_s)

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path in EXEMPT_PATHS:
            return await handler(request)
        if self.in_flight >= self.limit:
            metrics.ADMISSION_REJECTIONS.inc()
            return error_response(
                503, "overloaded", OVERLOADED_MESSAGE, headers={"Retry-After": self._retry_after}
            )
        self.in_flight += 1
        try:
            return await handler(request)
        finally:
            self.in_flight -= 1
