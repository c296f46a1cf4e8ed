"""Run a command with Cassandra, Redis and a mail server available, starting whichever is
not running.

    python -m tools.stack run --profile dev  -- chat-service serve
    python -m tools.stack run --profile test -- pytest
    python -m tools.stack run --profile test --cassandra-nodes 3 --first-ip 21 -- pytest
    python -m tools.stack stop | status

A store the settings point at (`CASSANDRA_CONTACT_POINTS`/`CASSANDRA_PORT`, `REDIS_URL`,
`SMTP_HOST`/`SMTP_PORT`, from the environment or `.env`) that already answers is used as it
is, so nothing needs Java or Maven then. Otherwise a local one is started under
`.data/<profile>/` (fetching Cassandra's jars with Maven, installing Debian's redis-server,
or `go install`ing Mailpit, the first time) and stopped again when the command ends,
however it ends (Ctrl-C and SIGTERM included). Mailpit's web UI and API are then on
http://127.0.0.1:8025 (`MAILPIT_HTTP_PORT`).
With `--cassandra-nodes N` (2 or 3) the command gets a cluster of its own instead, on
127.0.0.<first-ip>.. (beside any other node), under `.data/<profile>-<N>nodes/`, with
replication factor N at `LOCAL_QUORUM`: these settings win over the environment.
Standard library only.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from tools.local_cassandra import localcassandra
from tools.local_mailpit import localmailpit
from tools.local_redis import localredis

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Profile:
    name: str
    environment: dict[str, str]
    cassandra_fast: bool


PROFILES = {
    # Console log lines for a person at a terminal; production (the image) logs JSON.
    "dev": Profile(
        "dev", {"APP_ENV": "development", "LOG_FORMAT": "console"}, cassandra_fast=False
    ),
    "test": Profile(
        "test",
        {
            "APP_ENV": "test",
            "CASSANDRA_KEYSPACE": "chat_test",
            "REDIS_URL": "redis://127.0.0.1:6379/1",
            "BCRYPT_COST": "4",
        },
        cassandra_fast=True,
    ),
}
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def _dot_env() -> dict[str, str]:
    path = ROOT / ".env"
    if not path.exists():
        return {}
    pairs = {}
    for line in path.read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep and not name.strip().startswith("#"):
            pairs[name.strip()] = value.strip()
    return pairs


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _data_dir(profile: Profile) -> Path:
    return ROOT / ".data" / profile.name


def _ensure_cassandra(env: dict[str, str], profile: Profile) -> Callable[[], None] | None:
    """Start a local node unless the configured one answers; returns how to stop it."""
    host = env.get("CASSANDRA_CONTACT_POINTS", "127.0.0.1").split(",")[0].strip()
    port = int(env.get("CASSANDRA_PORT", "9042"))
    if _answers(host, port):
        print(f"stack: using the Cassandra answering on {host}:{port}", flush=True)
        return None
    if host not in LOCAL_HOSTS or port != 9042:
        raise SystemExit(f"stack: Cassandra at {host}:{port} does not answer")
    base = _data_dir(profile) / "cassandra"
    localcassandra.fetch()  # Maven and Java are needed only here, when no Cassandra answers
    localcassandra.start_cluster(base, nodes=1, fast=profile.cassandra_fast)
    return lambda: localcassandra.stop_all(base)


def _ensure_redis(env: dict[str, str], profile: Profile) -> Callable[[], None] | None:
    url = urlparse(env.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    host, port = url.hostname or "127.0.0.1", url.port or 6379
    if _answers(host, port):
        print(f"stack: using the Redis answering on {host}:{port}", flush=True)
        return None
    if host not in LOCAL_HOSTS:
        raise SystemExit(f"stack: Redis at {host}:{port} does not answer")
    directory = _data_dir(profile) / "redis"
    localredis.start_redis(port, directory)
    return lambda: localredis.stop_redis(port, directory)


def _ensure_mailpit(env: dict[str, str], profile: Profile) -> Callable[[], None] | None:
    host = env.get("SMTP_HOST", "127.0.0.1")
    port = int(env.get("SMTP_PORT", str(localmailpit.DEFAULT_SMTP_PORT)))
    if localmailpit.answers_smtp(port, host):
        print(f"stack: using the SMTP server answering on {host}:{port}", flush=True)
        return None
    if host not in LOCAL_HOSTS:
        raise SystemExit(f"stack: SMTP server at {host}:{port} does not answer")
    directory = _data_dir(profile) / "mailpit"
    http_port = int(env.get("MAILPIT_HTTP_PORT", str(localmailpit.DEFAULT_HTTP_PORT)))
    localmailpit.start_mailpit(port, http_port, directory)
    return lambda: localmailpit.stop_mailpit(directory, port)


@dataclass(frozen=True)
class OwnCluster:
    """A Cassandra cluster started for the command alone (`--cassandra-nodes`)."""

    nodes: int
    first_ip: int
    heap: str = "768M"

    def hosts(self) -> list[str]:
        return [f"127.0.0.{self.first_ip + i}" for i in range(self.nodes)]

    def environment(self) -> dict[str, str]:
        return {
            "CASSANDRA_CONTACT_POINTS": ",".join(self.hosts()),
            "CASSANDRA_REPLICATION_CLASS": "SimpleStrategy",
            "CASSANDRA_REPLICATION_FACTOR": str(self.nodes),
            "CASSANDRA_CONSISTENCY": "LOCAL_QUORUM",
            # Several JVMs share the machine's cores: schema changes (the suite drops and
            # creates its keyspace) wait for every node, and slowness is not a failure here.
            "CASSANDRA_REQUEST_TIMEOUT_S": "20",
        }


def _start_own_cluster(
    cluster: OwnCluster, profile: Profile, stoppers: list[Callable[[], None]]
) -> None:
    """Start the nodes; how to stop them is registered first, so that an interrupted
    start-up stops the nodes it launched too."""
    base = ROOT / ".data" / f"{profile.name}-{cluster.nodes}nodes" / "cassandra"
    stoppers.append(lambda: localcassandra.stop_all(base))
    localcassandra.fetch()
    started = time.monotonic()
    localcassandra.start_cluster(
        base, cluster.nodes, cluster.heap, profile.cassandra_fast, 300, cluster.first_ip
    )
    print(f"stack: {cluster.nodes} nodes ready in {time.monotonic() - started:.0f} s", flush=True)


def run(profile: Profile, command: list[str], cluster: OwnCluster | None = None) -> int:
    # The process environment wins. The test profile's defaults beat `.env`, so a developer's
    # `.env` can never point the suite (which drops its keyspace) at real data.
    if profile.name == "test":
        env = {**_dot_env(), **profile.environment, **os.environ}
    else:
        env = {**profile.environment, **_dot_env(), **os.environ}
    if cluster is not None:
        env.update(cluster.environment())
    stoppers: list[Callable[[], None]] = []
    # The command gets Ctrl-C from the terminal itself; here it only must not cut cleanup.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    child: subprocess.Popen[bytes] | None = None

    def forward_term(signum: int, _frame: object) -> None:
        if child is not None and child.poll() is None:
            child.send_signal(signum)
        else:
            raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, forward_term)
    try:
        if cluster is not None:
            _start_own_cluster(cluster, profile, stoppers)
        for ensure in (_ensure_cassandra, _ensure_redis, _ensure_mailpit):
            stop = ensure(env, profile)
            if stop is not None:
                stoppers.append(stop)
        child = subprocess.Popen(command, env=env, preexec_fn=_default_sigint)
        return child.wait()
    finally:
        for stop in reversed(stoppers):
            stop()


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def stop_all() -> None:
    for profile in PROFILES.values():
        base = _data_dir(profile)
        localcassandra.stop_all(base / "cassandra")
        localredis.stop_redis(None, base / "redis")
        localmailpit.stop_mailpit(base / "mailpit")


def status() -> None:
    for profile in PROFILES.values():
        base = _data_dir(profile)
        print(f"[{profile.name}]")
        localcassandra.print_status(base / "cassandra")
        localredis.print_status(base / "redis")
        localmailpit.print_status(base / "mailpit")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="run a command with the stores available")
    run_parser.add_argument("--profile", choices=sorted(PROFILES), default="dev")
    run_parser.add_argument(
        "--cassandra-nodes", type=int, choices=[2, 3], help="a cluster of the command's own"
    )
    run_parser.add_argument(
        "--first-ip", type=int, default=21, help="its node 1 on 127.0.0.<first-ip>"
    )
    run_parser.add_argument("argv", nargs=argparse.REMAINDER)
    commands.add_parser("stop", help="stop every store the tooling started")
    commands.add_parser("status", help="what is running")
    args = parser.parse_args()
    if args.command == "stop":
        stop_all()
        return 0
    if args.command == "status":
        status()
        return 0
    command = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
    if not command:
        parser.error("run needs a command after --")
    started = time.monotonic()
    cluster = OwnCluster(args.cassandra_nodes, args.first_ip) if args.cassandra_nodes else None
    code = run(PROFILES[args.profile], command, cluster)
    print(f"stack: command exited {code} after {time.monotonic() - started:.0f} s", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
