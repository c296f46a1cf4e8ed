"""Every route of the service, in one table."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from chat_service.api import accounts, direct_messages, health, live
from chat_service.api import conversations as conv
from chat_service.api.metrics import metrics_endpoint
from chat_service.api.openapi import openapi_json
from chat_service.api.web import setup_web_routes

API = "/api/v1"


def setup_routes(app: web.Application) -> None:
    router = app.router
    router.add_get(f"{API}/health", health.health)
    router.add_get(f"{API}/ready", health.ready)
    router.add_get(f"{API}/openapi.json", openapi_json)
    router.add_get("/ws", live.websocket)
    router.add_get("/metrics", metrics_endpoint)

    router.add_post(f"{API}/auth/register", accounts.register)
    router.add_post(f"{API}/auth/login", accounts.login)
    router.add_post(f"{API}/auth/refresh", accounts.refresh)
    router.add_post(f"{API}/auth/logout", accounts.logout)
    router.add_get(f"{API}/users/me", accounts.me)
    _collection(router, "GET", f"{API}/users", accounts.search)

    router.add_post(f"{API}/messages/send", direct_messages.send)
    _collection(router, "GET", f"{API}/messages", direct_messages.history)

    conversations = f"{API}/conversations"
    one = f"{conversations}/{{conversation_id}}"
    message = f"{one}/messages/{{message_id}}"
    _collection(router, "GET", conversations, conv.list_conversations)
    _collection(router, "POST", conversations, conv.create)
    router.add_get(one, conv.get)
    router.add_post(f"{one}/join", conv.join)
    _collection(router, "POST", f"{one}/members", conv.add_member)
    router.add_patch(f"{one}/members/{{username}}", conv.set_role)
    router.add_delete(f"{one}/members/{{username}}", conv.remove_member)
    _collection(router, "GET", f"{one}/messages", conv.history)
    _collection(router, "POST", f"{one}/messages", conv.post_message)
    router.add_get(message, conv.get_message)
    router.add_patch(message, conv.edit_message)
    router.add_delete(message, conv.delete_message)
    router.add_post(f"{one}/read", conv.mark_read)
    setup_web_routes(app)


def _collection(router: web.UrlDispatcher, method: str, path: str, handler: Handler) -> None:
    """Collections answer at `/path` and `/path/` alike, without a redirect."""
    for route in (path, f"{path}/"):
        if method == "GET":
            router.add_get(route, handler)  # with HEAD, like every other GET
        else:
            router.add_route(method, route, handler)
