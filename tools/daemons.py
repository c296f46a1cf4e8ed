"""Servers the tooling starts in the background (Redis, Mailpit) and finds again by the pid
file in their data directory."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path


def running_pid(pid_file: Path) -> int | None:
    """The pid in `pid_file` while that process lives, else None."""
    try:
        pid = int(pid_file.read_text())
        os.kill(pid, 0)
    except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
        return None
    return pid


def stop(pid_file: Path, wait_s: float, still_answers: Callable[[], bool] | None = None) -> None:
    """SIGTERM the process, wait up to `wait_s` for it to end, forget its pid file, then
    wait (5 s at most) until its port stops answering."""
    pid = running_pid(pid_file)
    if pid is not None:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + wait_s
        while running_pid(pid_file) is not None and time.monotonic() < deadline:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
            time.sleep(0.05)
    pid_file.unlink(missing_ok=True)
    if still_answers is not None:
        deadline = time.monotonic() + 5
        while still_answers() and time.monotonic() < deadline:
            time.sleep(0.05)


def print_status(name: str, pid_file: Path, directory: Path) -> None:
    pid = running_pid(pid_file)
    state = f"running (pid {pid})" if pid else "stopped"
    print(f"{name}: {state} ({directory})")
