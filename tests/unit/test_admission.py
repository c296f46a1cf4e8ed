"""Admission control on a fake handler: what is admitted, what is refused, and how."""

from __future__ import annotations

import asyncio
import contextlib

from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from chat_service.api.admission import AdmissionControl
from chat_service.api.admission_limit import LimitSettings
from chat_service.infra import metrics


class HeldHandler:
    """A handler that answers only when released, so requests stay in flight."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.started = 0
        self.all_started = asyncio.Event()
        self.expected = 0

    async def __call__(self, request: web.Request) -> web.StreamResponse:
        self.started += 1
        if self.started == self.expected:
            self.all_started.set()
        await self.release.wait()
        return web.Response(text="done")


def _fixed(limit: int, retry_after_s: int) -> AdmissionControl:
    """Admission with a limit that does not move (no latency target)."""
    return AdmissionControl(LimitSettings(limit, limit, 0.0), retry_after_s)


def _request(path: str = "/api/v1/messages/send") -> web.Request:
    return make_mocked_request("POST", path)


async def _hold(control: AdmissionControl, handler: HeldHandler, count: int) -> list[asyncio.Task]:
    handler.expected = count
    tasks = [asyncio.create_task(control.middleware(_request(), handler)) for _ in range(count)]
    await handler.all_started.wait()
    return tasks


def _rejections() -> float:
    return metrics.ADMISSION_REJECTIONS._value.get()


async def test_requests_up_to_the_limit_are_admitted_and_the_next_refused() -> None:
    control, handler = _fixed(3, retry_after_s=2), HeldHandler()
    held = await _hold(control, handler, 3)
    rejected_before = _rejections()

    refused = await control.middleware(_request(), handler)

    assert isinstance(refused, web.Response) and refused.status == 503
    assert refused.headers["Retry-After"] == "2"
    assert refused.content_type == "application/json"
    assert isinstance(refused.body, bytes) and b'"code":"overloaded"' in refused.body
    assert handler.started == 3  # the refused request never reached the handler
    assert _rejections() == rejected_before + 1
    handler.release.set()
    assert [(await task).status for task in held] == [200, 200, 200]


async def test_a_finished_request_frees_its_place() -> None:
    control, handler = _fixed(1, retry_after_s=1), HeldHandler()
    (first,) = await _hold(control, handler, 1)
    handler.release.set()
    await first
    assert control.in_flight == 0
    response = await control.middleware(_request(), handler)
    assert response.status == 200


async def test_a_failing_request_frees_its_place_too() -> None:
    control = _fixed(1, retry_after_s=1)

    async def failing(request: web.Request) -> web.StreamResponse:
        raise web.HTTPNotFound()

    for _ in range(3):
        with contextlib.suppress(web.HTTPNotFound):
            await control.middleware(_request(), failing)
    assert control.in_flight == 0


async def test_probes_and_sockets_are_never_refused_nor_counted() -> None:
    control, held_handler = _fixed(1, retry_after_s=1), HeldHandler()
    (held,) = await _hold(control, held_handler, 1)

    async def answer(request: web.Request) -> web.StreamResponse:
        return web.Response(text=str(control.in_flight))

    for path in ("/api/v1/health", "/api/v1/ready", "/metrics", "/ws"):
        response = await control.middleware(_request(path), answer)
        assert isinstance(response, web.Response)
        assert (response.status, response.text) == (200, "1"), path  # only the held one
    assert (await control.middleware(_request(), answer)).status == 503
    held_handler.release.set()
    await held


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_slow_admitted_requests_lower_the_limit_and_the_gauge_shows_it() -> None:
    clock = FakeClock()
    control = AdmissionControl(LimitSettings(8, 2, 0.05), retry_after_s=1, clock=clock)

    async def slow(request: web.Request) -> web.StreamResponse:
        clock.now += 0.2  # four times the target, with the limit reached below
        return web.Response(text="slow")

    control.in_flight = 7  # seven others held: each request brings it to the limit
    for _ in range(25):
        await control.middleware(_request(), slow)
    assert control.limit.limit == 4  # 8 x 0.5: the steepest step down
    assert metrics.ADMISSION_LIMIT._value.get() == 4


async def test_logins_do_not_steer_the_limit() -> None:
    clock = FakeClock()
    control = AdmissionControl(LimitSettings(8, 2, 0.05), retry_after_s=1, clock=clock)

    async def hashing(request: web.Request) -> web.StreamResponse:
        clock.now += 0.3
        return web.Response(text="hashed")

    control.in_flight = 7
    for _ in range(25):
        await control.middleware(_request("/api/v1/auth/login"), hashing)
    assert control.limit.limit == 8


async def test_probes_and_sockets_pass_at_the_lowest_limit() -> None:
    control, held_handler = _fixed(1, retry_after_s=1), HeldHandler()
    (held,) = await _hold(control, held_handler, 1)
    websocket = make_mocked_request(
        "GET", "/ws?token=t", headers={"Upgrade": "websocket", "Connection": "Upgrade"}
    )

    async def answer(request: web.Request) -> web.StreamResponse:
        return web.Response(text="answered")

    assert (await control.middleware(websocket, answer)).status == 200
    assert (
        await control.middleware(make_mocked_request("HEAD", "/api/v1/health"), answer)
    ).status == 200
    held_handler.release.set()
    await held
