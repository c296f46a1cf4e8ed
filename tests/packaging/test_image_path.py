"""The Docker image's path, without Docker: the wheel built from exactly what the Dockerfile's
build stage copies, installed from the lock into a clean virtualenv outside the checkout,
then `chat-service migrate` and `chat-service serve` run from an empty directory with the
environment Compose gives the `migrate` and `app1` containers (Dockerfile ENV, then
`.env` = `.env.example` with JWT_SECRET set, as the README says, then `environment:`).

Only what cannot be the same here is substituted: the stores' addresses (the local
Cassandra and Redis), the keyspace (beside the suite's own), the data centre and its
replication factor (one local node cannot hold three replicas), and the listening address
(this machine's port 8000 is someone else's). A broken default, a setting that overrides
the image's, or a file the wheel lacks fails here as it would in `docker compose up`.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cassandra.cluster import Cluster

from chat_service.infra.settings import Settings
from tests.integration.processes import free_port
from tests.packaging.image import (
    ROOT,
    Stage,
    compose_command,
    compose_environment,
    dockerfile_stages,
    read_env_file,
)

LOCK = ROOT / "requirements.lock"
IMAGE_DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
READY_WITHIN_S = 90


@dataclass(frozen=True)
class Image:
    """An installed stand-in for the image: its paths mapped to directories here."""

    final: Stage
    paths: dict[str, Path]  # image path -> local directory

    def local(self, value: str) -> str:
        for image_path, directory in self.paths.items():
            value = value.replace(image_path, str(directory))
        return value.replace("$PATH", IMAGE_DEFAULT_PATH)


def _pip(python: Path | str, *args: str) -> None:
    subprocess.run(
        [str(python), "-m", "pip", "--disable-pip-version-check", "--quiet", *args],
        check=True, timeout=600,
    )  # fmt: skip


def _wheelhouse() -> Path:
    """The locked wheels, downloaded once per version of the lock (checked by hash)."""
    digest = hashlib.sha256(LOCK.read_bytes()).hexdigest()[:16]
    directory = ROOT / ".cache" / "wheelhouse" / digest
    if not (directory / ".complete").exists():
        partial = directory.with_name(f"{digest}.partial-{os.getpid()}")
        _pip(sys.executable, "download", "--require-hashes", "--only-binary=:all:",
             "-r", str(LOCK), "-d", str(partial))  # fmt: skip
        (partial / ".complete").touch()
        shutil.rmtree(directory, ignore_errors=True)
        partial.rename(directory)
    return directory


def _copy(sources: list[str], destination: Path) -> None:
    """COPY from the build context: one source to a path, or several into a directory."""
    for source in sources:
        origin = ROOT / source
        target = (
            destination / origin.name if len(sources) > 1 or destination.is_dir() else (destination)
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        if origin.is_dir():
            shutil.copytree(origin, target)
        else:
            shutil.copy2(origin, target)


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Image:
    stages = dockerfile_stages((ROOT / "Dockerfile").read_text())
    build, final = stages[0], stages[-1]
    base = tmp_path_factory.mktemp("image")
    source = base / "src"
    source.mkdir()
    for sources, destination in build.copies:
        _copy(sources, source / destination)
    _pip(sys.executable, "wheel", "--no-deps", "-w", str(base / "dist"), str(source))
    (wheel,) = (base / "dist").glob("chat_service-*.whl")
    venv = base / "opt-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    wheels = _wheelhouse()
    _pip(venv / "bin/python", "install", "--no-index", "--find-links", str(wheels),
         "--require-hashes", "-r", str(LOCK))  # fmt: skip
    _pip(venv / "bin/python", "install", "--no-index", "--no-deps", str(wheel))
    workdir = base / "app"
    workdir.mkdir()
    mapped = Image(final, {"/opt/venv": venv, final.workdir: workdir})
    for sources, destination in final.copies:
        assert destination.startswith(tuple(mapped.paths)), f"COPY to {destination}"
        _copy(sources, Path(mapped.local(destination)))
    return mapped


@pytest.fixture
def keyspace(settings: Settings) -> Iterator[tuple[str, str]]:
    """A keyspace of its own (dropped before and after) and the local node's data centre."""
    name = f"{settings.cassandra_keyspace}_image"
    cluster = Cluster(list(settings.cassandra_contact_points), port=settings.cassandra_port)
    session = cluster.connect()
    try:
        session.execute(f"DROP KEYSPACE IF EXISTS {name}")
        local_dc = session.execute("SELECT data_center FROM system.local").one().data_center
        yield name, local_dc
        session.execute(f"DROP KEYSPACE IF EXISTS {name}")
    finally:
        cluster.shutdown()


def _environment(
    image: Image, service: str, settings: Settings, keyspace: str, local_dc: str, port: int
) -> dict[str, str]:
    dot_env = read_env_file((ROOT / ".env.example").read_text())
    dot_env["JWT_SECRET"] = secrets.token_urlsafe(32)  # README: "then set JWT_SECRET"
    image_env = {name: image.local(value) for name, value in image.final.env.items()}
    environment = compose_environment(service, image_env, dot_env)
    local = {
        "CASSANDRA_CONTACT_POINTS": ",".join(settings.cassandra_contact_points),
        "CASSANDRA_PORT": str(settings.cassandra_port),
        "CASSANDRA_KEYSPACE": keyspace,
        "CASSANDRA_LOCAL_DC": local_dc,
        "CASSANDRA_REPLICATION_DCS": f"{local_dc}:1",
        "REDIS_URL": settings.redis_url,
        "HTTP_HOST": "127.0.0.1",
        "HTTP_PORT": str(port),
    }
    missing = set(local) - set(environment)
    assert not missing, f"the container would not get {missing}"
    return {**environment, **local}


def _call(url: str, body: dict[str, object] | None = None, token: str | None = None) -> dict:
    request = urllib.request.Request(
        url,
        data=None if body is None else json.dumps(body).encode(),
        headers={
            "Content-Type": "application/json",
            **({"Authorization": f"Bearer {token}"} if token else {}),
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"{}")


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + READY_WITHIN_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"serve exited {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(f"{url}/api/v1/ready", timeout=2)
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.3)
    pytest.fail(f"serve not ready within {READY_WITHIN_S} s:\n{log.read_text()[-3000:]}")


def test_the_image_migrates_serves_and_chats(
    image: Image, settings: Settings, keyspace: tuple[str, str], tmp_path: Path
) -> None:
    name, local_dc = keyspace
    port = free_port()
    workdir = image.paths[image.final.workdir]

    migrate = subprocess.run(
        compose_command("migrate", image.final.cmd),
        env=_environment(image, "migrate", settings, name, local_dc, port),
        cwd=workdir, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr

    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        serve = subprocess.Popen(
            compose_command("app1", image.final.cmd),
            env=_environment(image, "app1", settings, name, local_dc, port),
            cwd=workdir, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    api = f"http://127.0.0.1:{port}/api/v1"
    try:
        _wait_ready(f"http://127.0.0.1:{port}", serve, log)
        ann, bob = f"ann{secrets.token_hex(4)}", f"bob{secrets.token_hex(4)}"
        for username in (ann, bob):
            _call(f"{api}/auth/register", {"username": username, "password": "a-long-password"})
        login = _call(f"{api}/auth/login", {"username": ann, "password": "a-long-password"})
        sent = _call(
            f"{api}/messages/send", {"recipient": bob, "content": "hello"}, token=login["token"]
        )
        history = _call(f"{api}/messages", token=login["token"])
    finally:
        serve.terminate()
        serve.wait(timeout=30)
    assert [m["id"] for m in history["messages"]] == [sent["id"]]
    assert history["messages"][0]["content"] == "hello"
