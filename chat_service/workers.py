"""`chat-service serve --workers N`: N server processes on one port, supervised.

One Python process answers with one core at most. Each worker here is a whole
`chat-service serve` process (its own event loop, Cassandra session and Redis connections)
bound with SO_REUSEPORT, so the kernel spreads new connections across them. Workers share
nothing else: what one keeps in memory is per connection, or idempotent, or forgotten on
the Redis bus's events, which every worker hears.

Metrics use prometheus_client's multiprocess mode: each worker writes its values to files
in one directory, and `/metrics` on any worker reports the sum over all of them.

Each worker tells the supervisor it listens by writing a byte to a pipe whose descriptor it
finds in `CHAT_SERVICE_READY_FD`; once all have, the supervisor logs the one `serve.ready`
line (a single process logs it itself).

A worker killed by a signal (the OOM killer, a crash) is replaced. A worker that exits by
itself (start-up failed: a bad setting, no keyspace, no Cassandra) stops them all, and the
supervisor exits with its code, so that a crash loop is left to the caller's restart policy.
"""

from __future__ import annotations

import ctypes
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from importlib.metadata import version
from types import FrameType

import structlog
from prometheus_client import multiprocess

from chat_service.infra.metrics import MULTIPROCESS_DIR_VARIABLE

log = structlog.get_logger(__name__)

_RESTART_PAUSE_S = 0.5
_PR_SET_PDEATHSIG = 1
READY_FD_VARIABLE = "CHAT_SERVICE_READY_FD"


def service_version() -> str:
    return version("chat-service")


def announce_ready(host: str, port: int, workers: int) -> None:
    """The `serve.ready` line, or, in a supervised worker, the byte that stands for it."""
    ready_fd = os.environ.get(READY_FD_VARIABLE)
    if ready_fd is not None:
        os.write(int(ready_fd), b".")
        return
    log.info(
        "serve.ready",
        address=f"http://{host}:{port}",
        workers=workers,
        version=service_version(),
        python=platform.python_version(),
        aiohttp=version("aiohttp"),
        cassandra_driver=version("cassandra-driver"),
        redis_py=version("redis"),
    )


def _announce_when_all_ready(read_fd: int, host: str, port: int, workers: int) -> None:
    """In a thread: one byte per worker that listens; the line once all first workers do."""
    count = 0
    while count < workers:
        chunk = os.read(read_fd, workers)
        if not chunk:
            return
        count += len(chunk)
    announce_ready(host, port, workers)
    while os.read(read_fd, 64):  # replacements: drain, so that they never block
        pass


def supervise(host: str, port: int, workers: int) -> int:
    """Run `workers` server processes until SIGTERM or SIGINT; their exit code."""
    metrics_dir = tempfile.mkdtemp(prefix="chat-service-metrics-")
    command = [
        sys.executable, "-m", "chat_service", "serve",
        "--host", host, "--port", str(port), "--workers", "1", "--reuse-port",
    ]  # fmt: skip
    read_fd, write_fd = os.pipe()
    environment = {
        **os.environ,
        MULTIPROCESS_DIR_VARIABLE: metrics_dir,
        READY_FD_VARIABLE: str(write_fd),
    }
    running: dict[int, subprocess.Popen[bytes]] = {}
    stopping = False

    def start() -> None:
        # A process group of its own: a terminal's Ctrl-C reaches the supervisor only,
        # which stops every worker once.
        worker = subprocess.Popen(
            command,
            env=environment,
            process_group=0,
            preexec_fn=_die_with_parent,
            pass_fds=(write_fd,),
        )
        running[worker.pid] = worker

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for worker in running.values():
            worker.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    exit_code = 0
    threading.Thread(
        target=_announce_when_all_ready, args=(read_fd, host, port, workers), daemon=True
    ).start()
    try:
        for _ in range(workers):
            start()
        log.info("workers.started", workers=workers, port=port)
        while running:
            pid, status = os.wait()
            worker = running.pop(pid, None)
            if worker is None:
                continue
            multiprocess.mark_process_dead(pid, metrics_dir)
            code = os.waitstatus_to_exitcode(status)
            if stopping:
                continue
            if code < 0:
                log.error("workers.replacing", pid=pid, signal=-code)
                time.sleep(_RESTART_PAUSE_S)
                if not stopping:
                    start()
            else:
                log.error("workers.exited", pid=pid, code=code)
                exit_code = code or 1
                stop(signal.SIGTERM, None)
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)
        os.close(write_fd)
    return exit_code


def _die_with_parent() -> None:
    """In the child, before exec: be sent SIGTERM if the supervisor dies (even by SIGKILL),
    so that no orphaned worker keeps the port."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
