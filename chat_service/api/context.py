"""Typed keys under which `app.py` stores what handlers need."""

from __future__ import annotations

from aiohttp import web

from chat_service.api.hub import Hub, LiveSettings
from chat_service.api.render import MessageRenderer
from chat_service.services.container import Services
from chat_service.services.tokens import AccessClaims

SERVICES = web.AppKey("services", Services)
USER_ID = web.RequestKey("user_id", str)
# The authenticated caller, set by `auth.auth_middleware` on every non-public route.
CALLER = web.RequestKey("caller", AccessClaims)
HUB = web.AppKey("hub", Hub)
LIVE = web.AppKey("live", LiveSettings)
RENDERER = web.AppKey("renderer", MessageRenderer)
# The request header naming the client's address behind our proxy (`CLIENT_ADDRESS_HEADER`;
# empty: the peer's address), for the email request limits.
CLIENT_ADDRESS_HEADER = web.AppKey("client_address_header", str)
