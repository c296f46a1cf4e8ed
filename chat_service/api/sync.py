"""`GET /sync`: the events a client missed, rendered as the socket sends them."""

from __future__ import annotations

from aiohttp import web

from chat_service.api.context import CALLER, SERVICES
from chat_service.api.hub import render_event
from chat_service.api.inputs import takes
from chat_service.api.schemas.sync import SyncQuery
from chat_service.infra import metrics


@takes(SyncQuery)
async def sync(request: web.Request, query: SyncQuery) -> web.Response:
    page = await request.app[SERVICES].sync.sync(request[CALLER].username, query.since, query.limit)
    metrics.SYNC_EVENTS.inc(len(page.events))
    events = ",".join(render_event(event, stream_id) for event, stream_id in page.events)
    body = (
        f'{{"events":[{events}],"next_since":"{page.next_since}",'
        f'"has_more":{"true" if page.has_more else "false"}}}'
    )
    return web.Response(text=body, content_type="application/json")
