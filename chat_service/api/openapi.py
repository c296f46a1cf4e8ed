"""`GET /api/v1/openapi.json`: the OpenAPI description of the contract, from `openapi.yaml`."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml
from aiohttp import web

from chat_service.api.json import json_response

SPEC_FILE = "openapi.yaml"


def load_spec() -> dict[str, Any]:
    """The spec shipped with the package, parsed (safely: plain JSON-compatible values)."""
    text = resources.files("chat_service.api").joinpath(SPEC_FILE).read_text(encoding="utf-8")
    spec = yaml.safe_load(text)
    if not isinstance(spec, dict):
        raise ValueError(f"{SPEC_FILE} is not a YAML mapping")
    return spec


SPEC = load_spec()


async def openapi_json(request: web.Request) -> web.Response:
    return json_response(SPEC)
