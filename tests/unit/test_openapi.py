"""The OpenAPI document: a valid OpenAPI 3.1 description that covers every route."""

from __future__ import annotations

import re
from typing import Any

import orjson
import pytest
from aiohttp import web
from openapi_spec_validator import validate

from chat_service.api.inputs import request_model
from chat_service.api.openapi import SPEC, load_spec
from chat_service.api.routes import setup_routes
from chat_service.api.schemas.base import BodyInput, QueryInput

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def _normalise(path: str) -> str:
    """`/a/{id}/` and `/a/{conversation_id}` alike: the trailing-slash twin, any param name."""
    if len(path) > 1:
        path = path.rstrip("/")
    return re.sub(r"\{[^}]*\}", "{}", path)


def _documented() -> dict[str, set[str]]:
    operations: dict[str, set[str]] = {}
    for path, item in SPEC["paths"].items():
        operations.setdefault(_normalise(path), set()).update(METHODS & set(item))
    return operations


def _routes() -> set[tuple[str, str]]:
    app = web.Application()
    setup_routes(app)
    found = set()
    for route in app.router.routes():
        resource = route.resource
        assert resource is not None
        found.add((route.method.lower(), _normalise(resource.canonical)))
    return found


def test_the_spec_is_valid_openapi_3_1() -> None:
    assert SPEC["openapi"].startswith("3.1.")
    validate(SPEC)


def test_every_route_is_documented() -> None:
    documented = _documented()
    missing = []
    for method, path in sorted(_routes()):
        methods = documented.get(path, set())
        # aiohttp's add_get also answers HEAD; a documented GET covers it.
        if method in methods or (method == "head" and "get" in methods):
            continue
        missing.append(f"{method.upper()} {path}")
    assert not missing, f"routes missing from openapi.yaml: {missing}"


def test_the_contract_paths_are_all_there() -> None:
    expected = {
        ("get", "/api/v1/health"),
        ("get", "/api/v1/ready"),
        ("get", "/metrics"),
        ("get", "/api/v1/openapi.json"),
        ("post", "/api/v1/auth/register"),
        ("post", "/api/v1/auth/login"),
        ("post", "/api/v1/auth/refresh"),
        ("post", "/api/v1/auth/logout"),
        ("get", "/api/v1/users/me"),
        ("get", "/api/v1/users"),
        ("post", "/api/v1/messages/send"),
        ("get", "/api/v1/messages"),
        ("get", "/api/v1/conversations"),
        ("post", "/api/v1/conversations"),
        ("get", "/api/v1/conversations/{}"),
        ("post", "/api/v1/conversations/{}/join"),
        ("post", "/api/v1/conversations/{}/members"),
        ("patch", "/api/v1/conversations/{}/members/{}"),
        ("delete", "/api/v1/conversations/{}/members/{}"),
        ("get", "/api/v1/conversations/{}/messages"),
        ("post", "/api/v1/conversations/{}/messages"),
        ("get", "/api/v1/conversations/{}/messages/{}"),
        ("patch", "/api/v1/conversations/{}/messages/{}"),
        ("delete", "/api/v1/conversations/{}/messages/{}"),
        ("post", "/api/v1/conversations/{}/read"),
        ("get", "/ws"),
    }
    documented = {(m, path) for path, methods in _documented().items() for m in methods}
    assert expected <= documented, sorted(expected - documented)


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in SPEC["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


@pytest.mark.parametrize(("method", "path", "operation"), _operations())
def test_operations_are_complete(method: str, path: str, operation: dict[str, Any]) -> None:
    assert operation.get("operationId"), (method, path)
    responses = operation["responses"]
    assert any(code.startswith("2") or code == "101" for code in responses), (method, path)
    if operation.get("security", SPEC["security"]):
        assert "401" in responses, f"{method} {path} is authenticated but documents no 401"
    if "requestBody" in operation:
        for code in ("400", "413", "415"):
            assert code in responses, f"{method} {path} reads a body but documents no {code}"


def test_unauthorized_and_limits_carry_their_headers() -> None:
    responses = SPEC["components"]["responses"]
    assert "WWW-Authenticate" in responses["Unauthorized"]["headers"]
    assert "WWW-Authenticate" in responses["InvalidCredentials"]["headers"]
    assert "Retry-After" in responses["RateLimited"]["headers"]


def test_the_served_spec_is_plain_json_values() -> None:
    assert orjson.loads(orjson.dumps(SPEC)) == SPEC
    assert all(isinstance(code, str) for _, _, op in _operations() for code in op["responses"])


def test_nothing_a_request_carries_is_written_by_hand() -> None:
    """Bodies and query parameters come from the models, so the YAML must not say them."""
    written = load_spec()
    for path, item in written["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            assert "requestBody" not in operation, (method, path)
            assert all(p.get("in") != "query" for p in operation.get("parameters", [])), path
    generated = {name for name in SPEC["components"]["schemas"]} - set(
        written["components"]["schemas"]
    )
    assert {"RegisterRequest", "PostMessageRequest", "AttachmentInput"} <= generated


def _models_by_operation() -> dict[tuple[str, str], type]:
    app = web.Application()
    setup_routes(app)
    return {
        (route.method.lower(), _normalise(route.resource.canonical)): model
        for route in app.router.routes()
        if route.resource is not None and (model := request_model(route.handler)) is not None
    }


def test_every_operation_with_a_body_or_a_query_is_described_by_its_model() -> None:
    models = _models_by_operation()
    for method, path, operation in _operations():
        model = models.get((method, _normalise(path)))
        queries = [p for p in operation.get("parameters", []) if p["in"] == "query"]
        if "requestBody" in operation:
            assert model is not None and issubclass(model, BodyInput), (method, path)
            ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            assert ref.rsplit("/", 1)[1] == model.__name__
        if queries:
            assert model is not None and issubclass(model, QueryInput), (method, path)
            fields = {f.alias or name for name, f in model.model_fields.items()} - set(model.path)
            assert {p["name"] for p in queries} == fields, (method, path)


def test_the_go_client_parameters_are_documented() -> None:
    parameters = SPEC["paths"]["/api/v1/messages"]["get"]["parameters"]
    by_name = {p["name"]: p["schema"] for p in parameters}
    assert (
        by_name["pageSize"]
        == by_name["page_size"]
        == {
            "type": "integer",
            "minimum": 1,
            "maximum": 100,
        }
    )
    assert SPEC["components"]["schemas"]["Health"]["properties"]["Status"]["const"] == "ALIVE"
