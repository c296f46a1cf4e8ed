"""The Compose stack's nginx config (deploy/nginx/nginx.conf) on a machine without Docker:
the same file with only the addresses substituted (the upstream's server lines, the
listening address, the access log's path), run by Debian's nginx in the foreground.

Used by `make cluster` (tools/cluster.py) and the tests that put replicas behind nginx.
Standard library only.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "deploy" / "nginx" / "nginx.conf"
# `server chat-app:8000 resolve max_fails=2 fail_timeout=5s;`: the name, then its parameters.
SERVER_LINE = re.compile(r"^(\s*)server chat-app:8000 resolve( [^;]*);$", re.MULTILINE)
LISTEN = "listen 8000;"
ACCESS_LOG = "/var/log/nginx/access.log"


def nginx_binary() -> str:
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).exists():
        raise SystemExit("nginx: Debian's nginx is required (tools/ensure-packages.sh)")
    return binary


def local_config(upstreams: Sequence[str], listen: str, access_log: Path) -> str:
    """The config for replicas at `upstreams` (host:port each), listening on `listen`: one
    server line per replica with the Compose line's parameters (`resolve` aside, which an
    address has no use for)."""
    text = CONFIG.read_text()
    match = SERVER_LINE.search(text)
    if match is None or LISTEN not in text or ACCESS_LOG not in text:
        raise ValueError(f"{CONFIG} no longer has the lines substituted here")
    indent, parameters = match.groups()
    servers = "\n".join(f"{indent}server {address}{parameters};" for address in upstreams)
    return (
        text[: match.start()]
        + servers
        + text[match.end() :]
        .replace(LISTEN, f"listen {listen};")
        .replace(ACCESS_LOG, str(access_log))
    )


def write_config(directory: Path, upstreams: Sequence[str], listen: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "nginx.conf"
    path.write_text(local_config(upstreams, listen, directory / "access.log"))
    return path


def command(config: Path, *, foreground: bool = True) -> list[str]:
    """nginx for `config`, its error log and pid file beside it (not under /var)."""
    directory = config.parent
    globals_ = f"pid {directory / 'nginx.pid'};" + (" daemon off;" if foreground else "")
    return [
        nginx_binary(), "-c", str(config), "-e", str(directory / "error.log"), "-g", globals_,
    ]  # fmt: skip


def check(config: Path) -> subprocess.CompletedProcess[str]:
    """`nginx -t` on the config."""
    return subprocess.run(
        [*command(config, foreground=False), "-t"], capture_output=True, text=True
    )
