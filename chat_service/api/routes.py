"""Every route of the service, in one table."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from chat_service.api import accounts, direct_messages, health

API = "/api/v1"


def setup_routes(app: web.Application) -> None:
    router = app.router
    router.add_get(f"{API}/health", health.health)
    router.add_get(f"{API}/ready", health.ready)

    router.add_post(f"{API}/auth/register", accounts.register)
    router.add_post(f"{API}/auth/login", accounts.login)
    router.add_post(f"{API}/auth/refresh", accounts.refresh)
    router.add_post(f"{API}/auth/logout", accounts.logout)
    router.add_get(f"{API}/users/me", accounts.me)
    _collection(router, "GET", f"{API}/users", accounts.search)

    router.add_post(f"{API}/messages/send", direct_messages.send)
    _collection(router, "GET", f"{API}/messages", direct_messages.history)


def _collection(router: web.UrlDispatcher, method: str, path: str, handler: Handler) -> None:
    """Collections answer at `/path` and `/path/` alike, without a redirect."""
    router.add_route(method, path, handler)
    router.add_route(method, f"{path}/", handler)
