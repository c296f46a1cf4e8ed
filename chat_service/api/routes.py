"""Every route of the service, in one table, with who may call it: routes need a bearer
token unless declared `PUBLIC` here (`auth.py` enforces it)."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from chat_service.api import (
    accounts,
    activity,
    direct_messages,
    docs,
    health,
    live,
    marks,
    search,
    sync,
)
from chat_service.api import conversations as conv
from chat_service.api.auth import ACCESS, Access
from chat_service.api.metrics import metrics_endpoint
from chat_service.api.openapi import openapi_json, serve
from chat_service.api.web import WebClient

API = "/api/v1"
PUBLIC, QUERY_TOKEN = Access.PUBLIC, Access.BEARER_OR_QUERY


def setup_routes(app: web.Application) -> None:
    access: dict[web.AbstractRoute, Access] = {}
    app[ACCESS] = access

    def add(method: str, path: str, handler: Handler, how: Access = Access.BEARER) -> None:
        if method == "GET":
            added = app.router.add_get(path, handler)  # with HEAD, like every other GET
        else:
            added = app.router.add_route(method, path, handler)
        assert added.resource is not None
        for route in added.resource:  # the GET's HEAD twin too
            if route.method in (method, "HEAD" if method == "GET" else method):
                access[route] = how

    def collection(method: str, path: str, handler: Handler, how: Access = Access.BEARER) -> None:
        """Collections answer at `/path` and `/path/` alike, without a redirect."""
        for route in (path, f"{path}/"):
            add(method, route, handler, how)

    add("GET", f"{API}/health", health.health, PUBLIC)
    add("GET", f"{API}/ready", health.ready, PUBLIC)
    add("GET", f"{API}/openapi.json", openapi_json, PUBLIC)
    add("GET", "/metrics", metrics_endpoint, PUBLIC)
    add("GET", "/ws", live.websocket, QUERY_TOKEN)
    add("GET", "/docs", docs.page, PUBLIC)
    add("GET", "/docs/{asset}", docs.asset, PUBLIC)

    add("POST", f"{API}/auth/register", accounts.register, PUBLIC)
    add("POST", f"{API}/auth/login", accounts.login, PUBLIC)
    add("POST", f"{API}/auth/refresh", accounts.refresh, PUBLIC)
    add("POST", f"{API}/auth/logout", accounts.logout, PUBLIC)
    add("POST", f"{API}/auth/verify-email", accounts.verify_email, PUBLIC)
    add("POST", f"{API}/auth/verify-email/resend", accounts.resend_verification)
    add("POST", f"{API}/auth/password-reset", accounts.request_password_reset, PUBLIC)
    add("POST", f"{API}/auth/password-reset/confirm", accounts.confirm_password_reset, PUBLIC)
    add("POST", f"{API}/auth/password", accounts.change_password)
    add("POST", f"{API}/auth/logout-all", accounts.logout_all)
    add("GET", f"{API}/users/me", accounts.me)
    add("GET", f"{API}/users/presence", activity.presence)
    collection("GET", f"{API}/users", accounts.search)

    add("POST", f"{API}/messages/send", direct_messages.send)
    collection("GET", f"{API}/messages", direct_messages.history)
    add("GET", f"{API}/messages/search", search.in_direct_messages)

    conversations = f"{API}/conversations"
    one = f"{conversations}/{{conversation_id}}"
    message = f"{one}/messages/{{message_id}}"
    collection("GET", conversations, conv.list_conversations)
    collection("POST", conversations, conv.create)
    add("GET", one, conv.get)
    add("POST", f"{one}/join", conv.join)
    collection("POST", f"{one}/members", conv.add_member)
    add("PATCH", f"{one}/members/{{username}}", conv.set_role)
    add("DELETE", f"{one}/members/{{username}}", conv.remove_member)
    collection("GET", f"{one}/messages", conv.history)
    collection("POST", f"{one}/messages", conv.post_message)
    add("GET", f"{one}/messages/search", search.in_conversation)  # before `message`
    add("GET", message, conv.get_message)
    add("PATCH", message, conv.edit_message)
    add("DELETE", message, conv.delete_message)
    add("POST", f"{one}/read", conv.mark_read)
    reaction = f"{message}/reactions/{{emoji}}"
    add("PUT", reaction, marks.react)
    add("DELETE", reaction, marks.unreact)
    add("GET", reaction, marks.reactors)
    collection("GET", f"{one}/pins", marks.pins)
    add("PUT", f"{one}/pins/{{message_id}}", marks.pin)
    add("DELETE", f"{one}/pins/{{message_id}}", marks.unpin)
    add("GET", f"{message}/history", conv.message_history)
    add("GET", f"{API}/users/me/mentions", direct_messages.mentions)
    add("POST", f"{one}/typing", activity.typing)

    add("GET", f"{API}/sync", sync.sync)

    client = WebClient.load()  # the web client: `/`, and its assets by version
    add("GET", "/", client.page, PUBLIC)
    add("GET", "/assets/{version}/{path:.+}", client.asset, PUBLIC)
    serve(app)  # the spec describes the routes above: keep this last
