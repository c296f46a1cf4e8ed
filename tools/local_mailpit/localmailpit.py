"""A local Mailpit (SMTP on 1025, its web UI and API on 8025) for development and tests.

    python -m tools.local_mailpit.localmailpit ensure-installed
    python -m tools.local_mailpit.localmailpit start|stop|status [--smtp-port 1025]
        [--http-port 8025] [--dir DIR]

Mailpit is a Go module: `ensure-installed` runs `go install` (into `go env GOPATH`/bin)
the first time. The server runs in its own session with its pid file, log and message
database under DIR, so the mail it caught survives restarts. Standard library only.
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
DEFAULT_DIR = ROOT / ".data" / "dev" / "mailpit"
DEFAULT_SMTP_PORT, DEFAULT_HTTP_PORT = 1025, 8025
MODULE = "github.com/axllent/mailpit@v1.33.1"


def _go_bin() -> Path:
    go = shutil.which("go")
    if go is None:
        return Path.home() / "go" / "bin"
    gopath = subprocess.run([go, "env", "GOPATH"], capture_output=True, text=True, check=True)
    return Path(gopath.stdout.strip().split(os.pathsep)[0]) / "bin"


def ensure_installed() -> str:
    """The path of the mailpit binary, `go install`ing it when it is missing."""
    found = shutil.which("mailpit") or _existing(_go_bin() / "mailpit")
    if found:
        return found
    go = shutil.which("go")
    if go is None:
        raise RuntimeError("mailpit is missing and so is Go (needed to `go install` it)")
    print(f"mailpit: go install {MODULE} (the first time takes a minute or two)", flush=True)
    subprocess.run([go, "install", MODULE], check=True)
    found = _existing(_go_bin() / "mailpit")
    if not found:
        raise RuntimeError("mailpit is still missing after go install")
    return found


def _existing(path: Path) -> str | None:
    return str(path) if path.is_file() and os.access(path, os.X_OK) else None


def answers_smtp(port: int, host: str = "127.0.0.1") -> bool:
    """Whether an SMTP server greets (220) on host:port."""
    try:
        with socket.create_connection((host, port), timeout=1) as sock:
            sock.settimeout(2)
            return sock.recv(64).startswith(b"220")
    except OSError:
        return False


def _pid_file(directory: Path) -> Path:
    return directory / "mailpit.pid"


def start_mailpit(
    smtp_port: int = DEFAULT_SMTP_PORT,
    http_port: int = DEFAULT_HTTP_PORT,
    directory: Path = DEFAULT_DIR,
    timeout: float = 30,
) -> int:
    """Start Mailpit on 127.0.0.1 (unless an SMTP server answers on `smtp_port`); its pid,
    or 0 when one was already answering."""
    if answers_smtp(smtp_port):
        return daemons.running_pid(_pid_file(directory)) or 0
    directory.mkdir(parents=True, exist_ok=True)
    binary = ensure_installed()
    with open(directory / "mailpit.log", "ab") as out:
        process = subprocess.Popen(
            [
                binary,
                "--smtp", f"127.0.0.1:{smtp_port}",
                "--listen", f"127.0.0.1:{http_port}",
                "--database", str(directory / "mailpit.db"),
                "--smtp-auth-accept-any",
                "--smtp-auth-allow-insecure",
                "--disable-version-check",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
    _pid_file(directory).write_text(str(process.pid))

    def answers() -> bool | None:
        if process.poll() is not None:
            raise RuntimeError(f"mailpit exited; see {directory / 'mailpit.log'}")
        return answers_smtp(smtp_port) or None

    wait_until(answers, f"mailpit on :{smtp_port}", timeout, every=0.05)
    print(
        f"mailpit: SMTP on 127.0.0.1:{smtp_port}, web UI and API on "
        f"http://127.0.0.1:{http_port} (mail in {directory})",
        flush=True,
    )
    return process.pid


def stop_mailpit(directory: Path = DEFAULT_DIR, smtp_port: int | None = None) -> None:
    """Stop the Mailpit this tooling started in `directory`."""
    answers = (lambda: answers_smtp(smtp_port)) if smtp_port is not None else None
    daemons.stop(_pid_file(directory), 10, answers)


def print_status(directory: Path = DEFAULT_DIR) -> None:
    daemons.print_status("mailpit", _pid_file(directory), directory)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("command", choices=["ensure-installed", "start", "stop", "status"])
    parser.add_argument("--smtp-port", type=int, default=DEFAULT_SMTP_PORT)
    parser.add_argument("--http-port", type=int, default=DEFAULT_HTTP_PORT)
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    args = parser.parse_args()
    directory = args.dir.resolve()
    if args.command == "ensure-installed":
        print(f"mailpit: {ensure_installed()}")
    elif args.command == "start":
        start_mailpit(args.smtp_port, args.http_port, directory)
    elif args.command == "stop":
        stop_mailpit(directory, args.smtp_port)
    else:
        print_status(directory)
    return 0


if __name__ == "__main__":
    sys.exit(main())
