"""Admission control: a bound on the requests one process works on at once.

Without it, overload queues without bound: every request is accepted, each gets a thinner
slice of the one event loop, and all of them get slow together. Beyond the bound a
request is refused at once with `503 overloaded` and `Retry-After`, which costs far less
than serving it, so the requests admitted keep their latency and the process keeps its
throughput (goodput) near capacity. nginx and clients retry elsewhere or later.

The bound is not fixed: `api/admission_limit.py` moves it between ADMISSION_MIN_IN_FLIGHT
and MAX_IN_FLIGHT_REQUESTS so that the admitted requests' latency stays near
ADMISSION_LATENCY_TARGET_MS. The decision is taken before anything that costs: before the
body is read, before authentication, before the access log; the refusal is one prebuilt
body.

Probes (`/health`, `/ready`, `/metrics`) are never refused, so an overloaded process is
not mistaken for a dead one; `/ws` is exempt because a socket is held for its whole life
(its connections are bounded by the live settings, not by this). Requests under
`/api/v1/auth/` are admitted and counted like any other, but their latency does not steer
the limit: they wait for bcrypt's own thread pool by design.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import orjson
from aiohttp import web
from aiohttp.typedefs import Handler

from chat_service.api.admission_limit import LatencyLimit, LimitSettings
from chat_service.api.json import JSON_TYPE
from chat_service.infra import metrics
from chat_service.infra.settings import Settings

EXEMPT_PATHS = frozenset({"/api/v1/health", "/api/v1/ready", "/metrics", "/ws"})
UNSTEERING_PREFIX = "/api/v1/auth/"
OVERLOADED_MESSAGE = "The service is overloaded; retry after Retry-After seconds."


class AdmissionControl:
    """Counts the requests in flight in this process and refuses those beyond the limit."""

    def __init__(
        self,
        settings: LimitSettings,
        retry_after_s: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.in_flight = 0
        self._clock = clock
        self.limit = LatencyLimit(settings, clock)
        # The contract's error body, encoded once: a refusal is a copy of it.
        self._refusal_body = orjson.dumps(
            {"error": {"code": "overloaded", "message": OVERLOADED_MESSAGE}}
        )
        self._refusal_headers = {"Retry-After": str(retry_after_s)}
        metrics.ADMISSION_LIMIT.set(self.limit.limit)

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path in EXEMPT_PATHS:
            return await handler(request)
        if not self.limit.admits(self.in_flight):
            metrics.ADMISSION_REJECTIONS.inc()
            return self._refused()
        self.in_flight += 1
        started = self._clock()
        try:
            return await handler(request)
        finally:
            self.in_flight -= 1
            if not request.path.startswith(UNSTEERING_PREFIX):
                self.limit.record(self._clock() - started, self.in_flight)
                metrics.ADMISSION_LIMIT.set(self.limit.limit)

    def _refused(self) -> web.Response:
        return web.Response(
            body=self._refusal_body,
            status=503,
            headers=self._refusal_headers,
            content_type=JSON_TYPE,
        )


def admission_limits(settings: Settings) -> LimitSettings:
    ceiling = settings.max_in_flight_requests
    return LimitSettings(
        ceiling=ceiling,
        floor=min(ceiling, settings.admission_min_in_flight),
        target_s=settings.admission_latency_target_ms / 1000,
    )
