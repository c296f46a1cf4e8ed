"""monitoring/alloy/config.alloy, checked without `alloy` (not installable here): it parses,
every reference names a component declared in it, its relabel rules keep exactly the
service's containers of the Compose stack and give them the labels that the Grafana
dashboard's logs panel selects, and it pushes to the stack's Loki."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml

from tests.packaging.alloy_syntax import AlloySyntaxError, Block, Reference, parse
from tests.packaging.image import ROOT

CONFIG = parse((ROOT / "monitoring/alloy/config.alloy").read_text())
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yaml").read_text())["services"]
SERVICE_LABEL = "__meta_docker_container_label_com_docker_compose_service"
# What each component needs and what the others may read from it (Alloy's reference).
REQUIRED = {
    "discovery.docker": {"host"},
    "discovery.relabel": {"targets"},
    "loki.source.docker": {"host", "targets", "forward_to"},
    "loki.process": {"forward_to"},
    "loki.write": set(),
}
EXPORTS = {
    "discovery.docker": {"targets"},
    "discovery.relabel": {"output", "rules"},
    "loki.process": {"receiver"},
    "loki.write": {"receiver"},
}


def _component(name: str) -> Block:
    (block,) = [b for b in CONFIG if b.name == name]
    return block


def _references(value: Any) -> list[Reference]:
    if isinstance(value, Reference):
        return [value]
    if isinstance(value, list | tuple):
        return [r for item in value for r in _references(item)]
    if isinstance(value, dict):
        return [r for item in value.values() for r in _references(item)]
    return []


def _relabel(labels: dict[str, str], rules: list[Block]) -> dict[str, str] | None:
    """Prometheus relabelling, as Alloy applies it: keep/drop/replace, anchored regexes."""
    labels = dict(labels)
    for rule in rules:
        options = rule.attributes
        value = options.get("separator", ";").join(
            labels.get(name, "") for name in options.get("source_labels", [])
        )
        match = re.fullmatch(options.get("regex", "(.*)"), value)
        action = options.get("action", "replace")
        if action == "keep" and not match:
            return None
        if action == "drop" and match:
            return None
        if action == "replace" and match:
            replacement = re.sub(r"\$\{?(\d+)\}?", r"\\\1", options.get("replacement", "$1"))
            labels[options["target_label"]] = match.expand(replacement)
    return {name: value for name, value in labels.items() if not name.startswith("__")}


def _stream_labels(service: str) -> dict[str, str] | None:
    discovered = {SERVICE_LABEL: service, "__meta_docker_container_name": f"/chat-{service}-1"}
    return _relabel(discovered, _component("discovery.relabel").blocks)


def test_every_component_is_known_complete_and_referenced_correctly() -> None:
    declared = {(block.name, block.label) for block in CONFIG}
    assert len(declared) == len(CONFIG), "a component is declared twice"
    for block in CONFIG:
        assert block.name in REQUIRED, f"unknown component {block.name}"
        assert REQUIRED[block.name] <= set(block.attributes), block.name
        for reference in _references(block.attributes):
            *kind, label, export = reference.path
            name = ".".join(kind)
            assert (name, label) in declared, f"{'.'.join(reference.path)}: no such component"
            assert export in EXPORTS[name], f"{'.'.join(reference.path)}: no such export"


def test_the_parser_refuses_broken_syntax() -> None:
    for broken in ('a "x" {', 'a "x" { b = }', "a = 1", 'a "x" { b = [1, 2 }'):
        with pytest.raises(AlloySyntaxError):
            parse(broken)


def test_exactly_the_service_containers_are_kept() -> None:
    service_images = {
        name for name, s in COMPOSE.items() if s.get("image") == "chat-service:latest"
    }
    assert {"migrate", "app1", "app2"} <= service_images
    kept = {name for name in COMPOSE if _stream_labels(name) is not None}
    assert kept == service_images
    assert _stream_labels("app3") is not None  # a replica added later is found too


def test_streams_carry_the_labels_the_dashboard_selects() -> None:
    dashboard = json.loads((ROOT / "monitoring/grafana/dashboards/chat-service.json").read_text())
    (panel,) = [p for p in dashboard["panels"] if p["datasource"]["type"] == "loki"]
    (target,) = panel["targets"]
    selector = re.match(r"\{([^}]*)\}", target["expr"])
    assert selector, target["expr"]
    matchers = re.findall(r'(\w+)\s*(=~|=)\s*"([^"]*)"', selector.group(1))
    assert matchers
    for service in ("app1", "app2"):
        labels = _stream_labels(service)
        assert labels == {"job": "chat-service", "instance": service}
        for name, operator, value in matchers:
            pattern = value if operator == "=~" else re.escape(value)
            assert re.fullmatch(pattern, labels.get(name, "")), (name, service)


def test_level_is_read_from_the_json_lines_and_sent_to_the_stacks_loki() -> None:
    stages = {stage.name: stage.attributes for stage in _component("loki.process").blocks}
    assert set(stages["stage.labels"]["values"]) <= set(stages["stage.json"]["expressions"])
    assert stages["stage.json"]["expressions"]["level"] == "level"  # infra/logging.py's key
    (endpoint,) = _component("loki.write").blocks
    url = urlparse(endpoint.attributes["url"])
    loki = yaml.safe_load((ROOT / "monitoring/loki/loki.yml").read_text())
    assert url.hostname in COMPOSE and url.port == loki["server"]["http_listen_port"]
    assert url.path == "/loki/api/v1/push"


def test_compose_runs_alloy_pinned_with_this_config_and_the_docker_socket() -> None:
    alloy = COMPOSE["alloy"]
    repository, _, tag = alloy["image"].partition(":")
    assert repository == "grafana/alloy" and re.fullmatch(r"v\d+\.\d+\.\d+", tag)
    mounts = dict(volume.rsplit(":", 1)[0].split(":", 1) for volume in alloy["volumes"])
    assert mounts["./monitoring/alloy/config.alloy"] in alloy["command"]
    assert mounts["/var/run/docker.sock"] == "/var/run/docker.sock"
    assert "promtail" not in COMPOSE
