"""`GET /api/v1/openapi.json`: the OpenAPI description of the contract.

`openapi.yaml` is written by hand, except for what requests carry: every request body's
schema and every query parameter are generated here from the model its handler takes
(`@takes` in `api/inputs.py`), so the spec and the validation cannot drift apart.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Iterable
from importlib import resources
from typing import Any

import orjson
import yaml
from aiohttp import web
from pydantic import TypeAdapter
from pydantic.json_schema import GenerateJsonSchema

from chat_service.api.inputs import request_model
from chat_service.api.schemas.base import BodyInput, MessageIdInput, QueryInput, RequestModel

SPEC_FILE = "openapi.yaml"
REF = "#/components/schemas/{model}"
SPEC_JSON = web.AppKey("openapi", bytes)
# Scalars that hand-written parts of the spec (path parameters) refer to.
SHARED_INPUTS: dict[str, Any] = {"TimeUuidInput": MessageIdInput}


class _Schemas(GenerateJsonSchema):
    """Pydantic's JSON Schema without the titles it derives from field names."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


def load_spec() -> dict[str, Any]:
    """The hand-written part shipped with the package, parsed (safely: plain JSON values)."""
    text = resources.files("chat_service.api").joinpath(SPEC_FILE).read_text(encoding="utf-8")
    spec = yaml.safe_load(text)
    if not isinstance(spec, dict):
        raise ValueError(f"{SPEC_FILE} is not a YAML mapping")
    return spec


@functools.cache
def _hand_written() -> dict[str, Any]:
    return load_spec()


def build_spec(routes: Iterable[web.AbstractRoute]) -> dict[str, Any]:
    """The served spec: the YAML, with each route's request described from its model."""
    spec = copy.deepcopy(_hand_written())
    paths = {_normalise(path): item for path, item in spec["paths"].items()}
    components = spec["components"]["schemas"]
    for name, kind in SHARED_INPUTS.items():
        _add_component(components, name, _untitled(TypeAdapter(kind).json_schema()))
    done: set[tuple[str, str]] = set()
    for route in routes:
        model = request_model(route.handler)
        if model is None or route.method == "HEAD" or route.resource is None:
            continue
        key = (_normalise(route.resource.canonical), route.method.lower())
        if key in done:
            continue  # the `/path/` twin of a collection
        done.add(key)
        operation = paths.get(key[0], {}).get(key[1])
        if operation is None:
            continue  # undocumented: tests/unit/test_openapi.py names it
        if issubclass(model, BodyInput):
            _describe_body(operation, model, components)
        elif issubclass(model, QueryInput):
            _describe_query(operation, model)
    return spec


def _describe_body(
    operation: dict[str, Any], model: type[RequestModel], components: dict[str, Any]
) -> None:
    if "requestBody" in operation:
        raise ValueError(f"{operation['operationId']}: requestBody is generated, not written")
    schema = _model_schema(model)
    for name, definition in schema.pop("$defs", {}).items():
        _add_component(components, name, _untitled(definition))
    _add_component(components, model.__name__, _untitled(schema))
    ref = {"$ref": REF.format(model=model.__name__)}
    operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": ref}}}


def _describe_query(operation: dict[str, Any], model: type[RequestModel]) -> None:
    if any(parameter.get("in") == "query" for parameter in operation.get("parameters", [])):
        raise ValueError(f"{operation['operationId']}: query parameters are generated")
    schema = _model_schema(model)
    required = set(schema.get("required", []))
    parameters = []
    for name, field in schema["properties"].items():
        field = _without_null(field)
        parameter = {"name": name, "in": "query", "required": name in required}
        if "description" in field:
            parameter["description"] = field.pop("description")
        parameter |= {"allowEmptyValue": True, "schema": field}
        parameters.append(parameter)
    operation["parameters"] = [*operation.get("parameters", []), *parameters]


def _model_schema(model: type[RequestModel]) -> dict[str, Any]:
    """The model's schema by alias, without the fields that come from the path."""
    schema = model.model_json_schema(
        by_alias=True, ref_template=REF, schema_generator=_Schemas, mode="validation"
    )
    for name in model.path:
        schema["properties"].pop(name)
        if name in schema.get("required", []):
            schema["required"].remove(name)
    if not schema.get("required"):
        schema.pop("required", None)
    return schema


def _without_null(field: dict[str, Any]) -> dict[str, Any]:
    """`X | None` as a query parameter is X that may be left out."""
    field = dict(field)
    options = field.pop("anyOf", None)
    if options is not None:
        [present] = [option for option in options if option.get("type") != "null"]
        field = {**present, **field}
    if field.get("default", ...) is None:
        del field["default"]
    return field


def _untitled(schema: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in schema.items() if key != "title"}


def _add_component(components: dict[str, Any], name: str, schema: dict[str, Any]) -> None:
    """A generated component may repeat a hand-written one (`Role`) only word for word."""
    existing = components.get(name)
    if existing is not None and _comparable(existing) != _comparable(schema):
        raise ValueError(f"component {name} is generated from a model: remove it from the YAML")
    components[name] = schema


def _comparable(schema: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in schema.items() if key not in ("title", "description")}


def _normalise(path: str) -> str:
    """`/a/{id}/` and `/a/{conversation_id}` alike: the trailing-slash twin, any param name."""
    if len(path) > 1:
        path = path.rstrip("/")
    return re.sub(r"\{[^}]*\}", "{}", path)


def serve(app: web.Application) -> None:
    """Builds the app's spec once, from its routes; call after every route is added."""
    app[SPEC_JSON] = orjson.dumps(build_spec(app.router.routes()))


async def openapi_json(request: web.Request) -> web.Response:
    return web.Response(body=request.app[SPEC_JSON], content_type="application/json")


@functools.cache
def _default_spec() -> dict[str, Any]:
    from chat_service.api.routes import setup_routes  # which imports this module

    app = web.Application()
    setup_routes(app)
    return orjson.loads(app[SPEC_JSON])


def __getattr__(name: str) -> Any:
    """`SPEC`: the spec as the service's own routes serve it (for tests and tools)."""
    if name == "SPEC":
        return _default_spec()
    raise AttributeError(name)
