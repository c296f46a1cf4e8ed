"""A client that goes away while sending its body: its request is not a server error.

A real socket sends a request's headers and part of its body, then closes; the server's
reading of the body raises `ConnectionResetError` ("Connection lost"), as in production.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager

import pytest
import structlog
from aiohttp import web
from prometheus_client import REGISTRY
from structlog.testing import capture_logs
from structlog.typing import EventDict

from chat_service.api.errors import error_middleware
from chat_service.api.inputs import takes
from chat_service.api.logging import access_log_middleware
from chat_service.api.metrics import metrics_middleware
from chat_service.api.schemas.base import BodyInput

ROUTE = "/notes"


class Note(BodyInput):
    text: str


@takes(Note)
async def _take_note(request: web.Request, note: Note) -> web.Response:
    return web.json_response({"text": note.text})


def _app(handled: asyncio.Event) -> web.Application:
    """The service's middlewares around one `@takes` handler; `handled` is set when the
    request has gone through all of them."""

    @web.middleware
    async def done(request: web.Request, handler: Callable) -> web.StreamResponse:
        try:
            return await handler(request)
        finally:
            handled.set()

    app = web.Application(
        middlewares=[done, access_log_middleware, metrics_middleware, error_middleware]
    )
    app.router.add_post(ROUTE, _take_note)
    return app


def _answered(status: str) -> float:
    labels = {"route": ROUTE, "method": "POST", "status": status}
    return REGISTRY.get_sample_value("http_requests_total", labels) or 0.0


_HEAD = b"POST /notes HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"


@asynccontextmanager
async def _serving(app: web.Application) -> AsyncIterator[tuple[str, int]]:
    """`app` served as `chat-service serve` does (`web.run_app`): a handler is not
    cancelled when its client goes away (aiohttp's TestServer would cancel it)."""
    runner = web.AppRunner(app, handler_cancellation=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        host, port = runner.addresses[0][:2]
        yield host, port
    finally:
        await runner.cleanup()


async def _send(address: tuple[str, int], request: bytes, *, answer: bool) -> bytes:
    """Write `request`, then read the answer to the end if `answer`, and close."""
    reader, writer = await asyncio.open_connection(*address)
    try:
        writer.write(request)
        await writer.drain()
        return await reader.read() if answer else b""
    finally:
        writer.close()
        await writer.wait_closed()


@pytest.fixture
def logs() -> Iterator[list[EventDict]]:
    """Every record, debug ones too (the suite may have configured a higher level)."""
    wrapper = structlog.get_config()["wrapper_class"]
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG))
    try:
        with capture_logs() as captured:
            yield captured
    finally:
        structlog.configure(wrapper_class=wrapper)


async def test_a_body_cut_off_by_the_client_is_logged_as_a_disconnect_not_an_error(
    logs: list[EventDict],
) -> None:
    handled = asyncio.Event()
    unhandled, closed = _answered("500"), _answered("499")
    async with _serving(_app(handled)) as address:
        await _send(address, _HEAD + b'Content-Length: 100\r\n\r\n{"text": "ha', answer=False)
        await asyncio.wait_for(handled.wait(), 10)
    events = [entry["event"] for entry in logs]
    assert "request.unhandled_error" not in events
    (access,) = [entry for entry in logs if entry["event"] == "request"]
    assert access["status"] == 499 and access["log_level"] == "info"
    assert [e["log_level"] for e in logs if e["event"] == "request.client_disconnected"] == [
        "debug"
    ]
    assert _answered("500") == unhandled
    assert _answered("499") == closed + 1


async def test_a_whole_body_is_still_read() -> None:
    async with _serving(_app(asyncio.Event())) as address:
        whole = b'Connection: close\r\nContent-Length: 14\r\n\r\n{"text": "hi"}'
        answer = await _send(address, _HEAD + whole, answer=True)
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert answer.endswith(b"\r\n\r\n" + b'{"text": "hi"}')
