"""Replicas behind nginx on one machine: `make cluster`.

    python -m tools.cluster [--replicas 3] [--port 8000]

Runs `chat-service migrate`, then N `chat-service serve` processes on free loopback ports
and Debian's nginx on --port in front of them with the Compose stack's own config
(tools/nginx_proxy.py), WebSockets included, until Ctrl-C or SIGTERM stops them all.
Cassandra and Redis come from the environment (`make cluster` runs this under
tools/stack.py, which starts them when nothing answers). Replicas' logs, nginx's config
and logs: .data/cluster/. A replica that exits is reported, not restarted: nginx's passive
health checks send its traffic to the others.
"""

from __future__ import annotations

import argparse
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from tools import nginx_proxy
from tools.waiting import wait_until

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".data" / "cluster"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ready(port: int) -> bool | None:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"GET /api/v1/ready HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            return True if b" 200 " in sock.recv(64) else None
    except OSError:
        return None


def start_replicas(count: int, logs: Path) -> list[tuple[int, subprocess.Popen[bytes]]]:
    logs.mkdir(parents=True, exist_ok=True)
    replicas = []
    for n in range(1, count + 1):
        port = free_port()
        with (logs / f"replica{n}.log").open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "chat_service", "serve", "--host", "127.0.0.1",
                 "--port", str(port)],
                stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        replicas.append((port, process))
    for n, (port, process) in enumerate(replicas, 1):

        def ready(
            n: int = n, port: int = port, process: subprocess.Popen[bytes] = process
        ) -> bool | None:
            if process.poll() is not None:
                raise SystemExit(f"cluster: replica {n} exited; see {logs}/replica{n}.log")
            return _ready(port)

        wait_until(ready, f"replica {n}", within=90)
        print(f"cluster: replica {n} on 127.0.0.1:{port} (pid {process.pid})", flush=True)
    return replicas


def run(replicas: int, port: int) -> int:
    subprocess.run([sys.executable, "-m", "chat_service", "migrate"], check=True)
    processes: list[subprocess.Popen[bytes]] = []
    stopping = False

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        started = start_replicas(replicas, DATA)
        processes += [process for _, process in started]
        config = nginx_proxy.write_config(
            DATA, [f"127.0.0.1:{p}" for p, _ in started], f"127.0.0.1:{port}"
        )
        processes.append(subprocess.Popen(nginx_proxy.command(config)))
        wait_until(lambda: _ready(port), "nginx", within=30)
        print(f"cluster: nginx on http://127.0.0.1:{port} ({config}); Ctrl-C stops", flush=True)
        reported: set[int] = set()
        while not stopping:
            for process in processes:
                if process.poll() is not None and process.pid not in reported:
                    reported.add(process.pid)
                    print(f"cluster: pid {process.pid} exited {process.returncode}", flush=True)
            time.sleep(0.5)
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            process.wait()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    return run(args.replicas, args.port)


if __name__ == "__main__":
    sys.exit(main())
