import sentry_sdk
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from chat_service.api.errors import error_middleware
from chat_service.infra.errors_reporting import configure_error_reporting
from chat_service.infra.settings import load_settings

SECRET = "a-real-secret-long-enough-for-hs256-keys"


def test_reporting_is_off_without_a_dsn() -> None:
    assert configure_error_reporting(load_settings(jwt_secret=SECRET)) is False


async def test_unhandled_errors_reach_sentry_without_bodies() -> None:
    events: list[dict] = []
    settings = load_settings(jwt_secret=SECRET, sentry_dsn="https://key@sentry.invalid/1")
    assert configure_error_reporting(settings, transport=events.append)

    async def broken(request: web.Request) -> web.Response:
        await request.read()
        raise RuntimeError("boom")

    app = web.Application(middlewares=[error_middleware])
    app.router.add_post("/broken", broken)
    try:
        async with TestClient(TestServer(app)) as client:
            response = await client.post("/broken", data=b'{"password": "hunter22hunter"}')
            assert response.status == 500
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.init()  # back to a disabled client
    assert events and "boom" in str(events[0])
    assert "hunter22hunter" not in str(events)
