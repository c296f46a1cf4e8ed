"""What the Docker image and the Compose stack would give the service, read from the
Dockerfile, docker-compose.yaml and .env.example, so that a test can reproduce the image's
path on a machine without Docker: the files each build stage copies, the final stage's ENV
and CMD, and each Compose service's environment (image ENV < env_file < environment:)."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
_INTERPOLATION = re.compile(r"\$\{(\w+)(?:(:?[-?])([^}]*))?\}")


@dataclass
class Stage:
    base: str
    env: dict[str, str] = field(default_factory=dict)
    copies: list[tuple[list[str], str]] = field(default_factory=list)  # from the context
    workdir: str = "/"
    cmd: list[str] = field(default_factory=list)


def dockerfile_stages(text: str) -> list[Stage]:
    """The stages of a Dockerfile: base image, ENV, context COPYs, WORKDIR and CMD."""
    stages: list[Stage] = []
    for line in _instructions(text):
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            stages.append(Stage(base=rest.split()[0]))
        elif keyword == "ENV":
            stages[-1].env.update(_env_pairs(rest, stages[-1].env))
        elif keyword == "COPY" and "--from=" not in rest:
            *sources, destination = shlex.split(rest)
            stages[-1].copies.append((sources, destination))
        elif keyword == "WORKDIR":
            stages[-1].workdir = rest.strip()
        elif keyword == "CMD":
            stages[-1].cmd = json.loads(rest)
    return stages


def _instructions(text: str) -> list[str]:
    """Instructions with their continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", text)
    return [
        line.strip()
        for line in joined.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def _env_pairs(rest: str, current: dict[str, str]) -> dict[str, str]:
    pairs = {}
    for item in shlex.split(rest):
        name, _, value = item.partition("=")
        pairs[name] = re.sub(r"\$(\w+)", lambda m: current.get(m.group(1), "$" + m.group(1)), value)
    return pairs


def read_env_file(text: str) -> dict[str, str]:
    """A Compose env file: NAME=value lines; an empty value is an empty string, not unset."""
    values = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, value = line.partition("=")
        values[name.strip()] = value.strip().strip("'\"")
    return values


def interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose's `${NAME}`, `${NAME:-default}` and `${NAME:?error}`."""

    def substitute(match: re.Match[str]) -> str:
        name, operator, argument = match.groups()
        current = variables.get(name, "")
        if operator == ":?" and not current:
            raise ValueError(f"compose would stop: {argument}")
        if operator == ":-" and not current:
            return argument
        return current

    return _INTERPOLATION.sub(substitute, value)


def compose_environment(
    service: str, image_env: dict[str, str], dot_env: dict[str, str]
) -> dict[str, str]:
    """The environment Compose gives `service`'s container: the image's ENV, overridden by
    its env_file (`.env`), overridden by its `environment:` (interpolated from `.env`)."""
    compose = yaml.safe_load((ROOT / "docker-compose.yaml").read_text())
    definition = compose["services"][service]
    environment = dict(image_env)
    if definition.get("env_file"):
        assert definition["env_file"] == ".env", "the test writes only .env"
        environment.update(dot_env)
    for name, value in (definition.get("environment") or {}).items():
        environment[name] = interpolate(str(value), dot_env)
    return environment


def compose_command(service: str, image_cmd: list[str]) -> list[str]:
    compose = yaml.safe_load((ROOT / "docker-compose.yaml").read_text())
    return compose["services"][service].get("command") or image_cmd
