"""The web client: the static files of `chat_service/web`, served at `/`.

Every file is read and gzipped once per process, however many apps are built (the one
`api/openapi.py` builds only to describe the routes included): a changed file is served
after a restart, as a deploy restarts anyway. The assets live under `/assets/<version>/`, where
the version is a hash of all of them, so relative ES-module imports keep working, a change
to any file gives every asset a new address (cached for a year, `immutable`), and only
`index.html` (`no-cache`, revalidated by ETag) says which version is current. Bodies are
gzipped here, not on every request.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

WEB_ROOT = Path(__file__).resolve().parent.parent / "web"
INDEX = "index.html"
CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".html": "text/html; charset=utf-8",
}
COMPRESSIBLE = (".js", ".css", ".svg", ".html")
IMMUTABLE = "public, max-age=31536000, immutable"
# A Host header is echoed into the CSP only when it is a plain host[:port].
_HOST = re.compile(r"^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes | None
    content_type: str
    etag: str

    @classmethod
    def of(cls, name: str, body: bytes) -> Asset:
        suffix = Path(name).suffix
        gzipped = gzip.compress(body, 9, mtime=0) if suffix in COMPRESSIBLE else None
        if gzipped is not None and len(gzipped) >= len(body):
            gzipped = None
        etag = f'"{hashlib.sha256(body).hexdigest()[:20]}"'
        return cls(body, gzipped, CONTENT_TYPES.get(suffix, "application/octet-stream"), etag)


def content_security_policy(host: str) -> str:
    """Nothing but this origin: no inline script or style, no eval, no framing, DOM sinks
    closed by Trusted Types (the client builds its DOM with nodes, never HTML strings)."""
    live = f" ws://{host} wss://{host}" if _HOST.match(host) else ""
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"connect-src 'self'{live}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "require-trusted-types-for 'script'",
            "trusted-types 'none'",
        )
    )


class WebClient:
    """The client's files in memory, and the two handlers that serve them."""

    def __init__(self, files: dict[str, bytes]) -> None:
        digest = hashlib.sha256()
        for name in sorted(files):
            digest.update(name.encode() + b"\0" + files[name] + b"\0")
        self.version = digest.hexdigest()[:16]
        self.base = f"/assets/{self.version}"
        self.assets = {name: Asset.of(name, body) for name, body in files.items() if name != INDEX}
        modules = sorted(name for name in self.assets if name.endswith(".js"))
        preload = "\n".join(
            f'<link rel="modulepreload" href="{self.base}/{name}">' for name in modules
        )
        page = files[INDEX].decode()
        page = page.replace("<!-- modulepreload -->", preload).replace("{{base}}", self.base)
        self.index = Asset.of(INDEX, page.encode())

    @staticmethod
    def load(root: Path = WEB_ROOT) -> WebClient:
        """The client under `root`, read the first time only (see the module's note)."""
        return _loaded(root)

    async def page(self, request: web.Request) -> web.StreamResponse:
        """`/`: the current version's entry point, revalidated on every load."""
        return _respond(request, self.index, "no-cache")

    async def asset(self, request: web.Request) -> web.StreamResponse:
        asset = self.assets.get(request.match_info["path"])
        if request.match_info["version"] != self.version or asset is None:
            raise web.HTTPNotFound()
        return _respond(request, asset, IMMUTABLE)


@functools.cache
def _loaded(root: Path) -> WebClient:
    files = {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.suffix in CONTENT_TYPES
    }
    return WebClient(files)


def _respond(request: web.Request, asset: Asset, cache_control: str) -> web.StreamResponse:
    headers = {
        **SECURITY_HEADERS,
        "Content-Security-Policy": content_security_policy(request.host),
        "Cache-Control": cache_control,
        "ETag": asset.etag,
        "Vary": "Accept-Encoding",
        "Content-Type": asset.content_type,
    }
    if asset.etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers=headers)
    body = asset.body
    if asset.gzipped is not None and "gzip" in request.headers.get("Accept-Encoding", ""):
        body = asset.gzipped
        headers["Content-Encoding"] = "gzip"
    return web.Response(body=body, headers=headers)
