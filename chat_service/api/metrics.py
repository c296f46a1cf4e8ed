"""`GET /metrics` (Prometheus text format) and the middleware that counts and times every
request by route template."""

from __future__ import annotations

import time

from aiohttp import web
from aiohttp.typedefs import Handler
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from chat_service.api.context import SERVICES
from chat_service.api.logging import route_template
from chat_service.infra import metrics


@web.middleware
async def metrics_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    route = route_template(request)
    status = 500
    started = time.perf_counter()
    metrics.HTTP_IN_FLIGHT.inc()
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        metrics.HTTP_IN_FLIGHT.dec()
        metrics.HTTP_REQUESTS.labels(route, request.method, str(status)).inc()
        metrics.HTTP_LATENCY.labels(route, request.method).observe(time.perf_counter() - started)


async def metrics_endpoint(request: web.Request) -> web.Response:
    """The stores are probed on every scrape, so `store_up` is never older than the scrape."""
    await request.app[SERVICES].health.check()
    response = web.Response(body=generate_latest(metrics.registry()))
    response.content_type = CONTENT_TYPE_LATEST.split(";")[0]
    response.charset = "utf-8"
    return response
