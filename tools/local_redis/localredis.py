"""A local Redis from Debian's redis-server package.

    python tools/local_redis/localredis.py ensure-installed
    python tools/local_redis/localredis.py start|stop|status [--port 6379] [--dir DIR]

The server runs in its own session with its pid file, log and append-only file under DIR, so
its data survives restarts. Standard library only.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

from tools import daemons
from tools.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DIR = ROOT / ".data" / "dev" / "redis"
DEFAULT_PORT = 6379


def ensure_installed() -> str:
    """The path of redis-server, installing Debian's package when it is missing."""
    found = shutil.which("redis-server")
    if found:
        return found
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "redis-server"],
        check=True,
        env=env,
    )
    found = shutil.which("redis-server")
    if not found:
        raise RuntimeError("redis-server is still missing after apt-get install")
    return found


def answers_ping(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _pid_file(directory: Path) -> Path:
    return directory / "redis.pid"


def start_redis(
    port: int = DEFAULT_PORT, directory: Path = DEFAULT_DIR, timeout: float = 20
) -> int:
    """Start redis-server on 127.0.0.1:port (unless one answers there); its pid, or 0."""
    if answers_ping(port):
        return daemons.running_pid(_pid_file(directory)) or 0
    directory.mkdir(parents=True, exist_ok=True)
    server = ensure_installed()
    with open(directory / "stdout.log", "ab") as out:
        process = subprocess.Popen(
            [
                server,
                "--port", str(port),
                "--bind", "127.0.0.1",
                "--dir", str(directory),
                "--daemonize", "no",
                "--appendonly", "yes",
                "--save", "",
                "--logfile", str(directory / "redis.log"),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
    _pid_file(directory).write_text(str(process.pid))

    def answers() -> bool | None:
        if process.poll() is not None:
            raise RuntimeError(f"redis-server exited; see {directory / 'redis.log'}")
        return answers_ping(port) or None

    wait_until(answers, f"redis-server on :{port}", timeout, every=0.05)
    print(f"redis: ready on 127.0.0.1:{port} (data in {directory})", flush=True)
    return process.pid


def stop_redis(port: int | None = DEFAULT_PORT, directory: Path = DEFAULT_DIR) -> None:
    """Stop the server this tooling started in `directory` (SIGTERM saves the AOF)."""
    answers = (lambda: answers_ping(port)) if port is not None else None
    daemons.stop(_pid_file(directory), 20, answers)


def print_status(directory: Path = DEFAULT_DIR) -> None:
    daemons.print_status("redis", _pid_file(directory), directory)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("command", choices=["ensure-installed", "start", "stop", "status"])
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    args = parser.parse_args()
    directory = args.dir.resolve()
    if args.command == "ensure-installed":
        print(f"redis: {ensure_installed()}")
    elif args.command == "start":
        start_redis(args.port, directory)
    elif args.command == "stop":
        stop_redis(args.port, directory)
    else:
        print_status(directory)
    return 0


if __name__ == "__main__":
    sys.exit(main())
