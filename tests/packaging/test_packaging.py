"""What can be checked of the Docker path without a Docker engine, file by file: the compose
file, the Dockerfile, the locks, and that configuration agrees everywhere with the settings
the service reads. test_image_path.py runs the image's path; test_nginx.py runs nginx."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from chat_service.infra.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yaml").read_text())
SERVICES = COMPOSE["services"]
SETTINGS = {name.upper() for name in Settings.model_fields}
APP_SERVICES = ("migrate", "app1", "app2")


def test_the_stack_has_every_part() -> None:
    assert set(SERVICES) == {
        "cassandra1", "cassandra2", "cassandra3", "redis", "migrate", "app1", "app2",
        "nginx", "prometheus", "grafana", "loki", "alloy", "mailpit",
    }  # fmt: skip
    assert SERVICES["migrate"]["command"] == ["chat-service", "migrate"]
    for name in ("app1", "app2"):
        assert SERVICES[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )


def test_images_are_pinned_to_a_tag() -> None:
    for name, service in SERVICES.items():
        image = service["image"]
        repository, _, tag = image.rpartition(":")
        assert (repository and tag and tag != "latest") or "build" in service, name


def test_stores_have_health_checks_and_three_cassandra_nodes_form_one_cluster() -> None:
    for name in ("cassandra1", "cassandra2", "cassandra3", "redis"):
        assert SERVICES[name]["healthcheck"]["test"], name
    seeds = {SERVICES[f"cassandra{i}"]["environment"]["CASSANDRA_SEEDS"] for i in (1, 2, 3)}
    assert seeds == {"cassandra1"}
    app = SERVICES["app1"]["environment"]
    assert app["CASSANDRA_REPLICATION_DCS"] == "dc1:3"  # replication factor 3


def test_compose_passes_only_settings_the_service_reads() -> None:
    for name in APP_SERVICES:
        service = SERVICES[name]
        assert service["env_file"] == ".env"  # every setting, as documented in .env.example
        assert set(service["environment"]) <= SETTINGS, name


def test_every_mounted_config_file_exists() -> None:
    for service in SERVICES.values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), source


def test_dockerfile_is_multi_stage_non_root_with_a_health_check() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+)", dockerfile, re.MULTILINE)
    assert len(stages) == 2 and all(s.startswith("python:3.11-slim") for s in stages)
    assert re.search(r"^USER chat$", dockerfile, re.MULTILINE)
    assert "HEALTHCHECK" in dockerfile and "/api/v1/health" in dockerfile
    assert "ENV PATH=/opt/venv/bin" in dockerfile
    # The migrations ship in the package: nothing for a setting to point away from.
    assert "MIGRATIONS_DIR" not in dockerfile and "COPY migrations" not in dockerfile


def _pins(lock: str) -> dict[str, str]:
    text = (ROOT / lock).read_text()
    return dict(re.findall(r"^([a-z0-9_.-]+)==(\S+) \\$", text, re.MULTILINE))


def test_dockerfile_and_ci_install_the_same_locked_versions_by_hash() -> None:
    """The image installs requirements.lock, CI (`make setup`) requirements-dev.lock, both
    with --require-hashes and the project itself without dependencies; the runtime lock
    pins nothing the dev lock pins differently."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install --require-hashes -r requirements.lock" in dockerfile
    assert "pip install --no-deps ." in dockerfile
    assert "install --quiet --require-hashes -r requirements-dev.lock" in makefile
    runtime, dev = _pins("requirements.lock"), _pins("requirements-dev.lock")
    assert runtime and {name: dev.get(name) for name in runtime} == runtime
    assert "pydantic" in runtime and "swagger-ui-bundle-v2" in runtime
