"""How the service serves the web client: one entry point that is always revalidated,
content-addressed assets cached for a year, a strict CSP, and every file in the wheel."""

from __future__ import annotations

import glob
import re
import tomllib
from pathlib import Path

from aiohttp.test_utils import TestClient

from chat_service.api.web import WEB_ROOT, WebClient

ROOT = Path(__file__).resolve().parents[2]
_ASSET = re.compile(r'(?:href|src)="(/assets/[0-9a-f]{16}/[^"]+)"')


async def _assets(client: TestClient) -> list[str]:
    page = await (await client.get("/")).text()
    return _ASSET.findall(page)


async def test_the_page_is_revalidated_and_locked_down(client: TestClient) -> None:
    response = await client.get("/")
    assert response.status == 200
    assert response.content_type == "text/html"
    assert response.headers["Cache-Control"] == "no-cache"
    csp = dict(
        directive.strip().split(" ", 1)
        for directive in response.headers["Content-Security-Policy"].split(";")
    )
    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == "'self'"  # no inline script, no eval
    assert csp["style-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["object-src"] == "'none'"
    host = response.url.host + f":{response.url.port}"
    assert csp["connect-src"] == f"'self' ws://{host} wss://{host}"
    assert csp["require-trusted-types-for"] == "'script'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"

    again = await client.get("/", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status == 304


async def test_assets_are_content_addressed_cached_for_a_year_and_gzipped(
    client: TestClient,
) -> None:
    assets = await _assets(client)
    assert any(a.endswith("/app.css") for a in assets)
    assert any(a.endswith("/js/main.js") for a in assets)
    for path in assets:
        response = await client.get(path, headers={"Accept-Encoding": "gzip"})
        assert response.status == 200, path
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        if path.endswith((".js", ".css")):
            assert response.headers["Content-Encoding"] == "gzip", path
            assert response.content_type in ("text/javascript", "text/css"), path
    # Another version's address, an unknown file, a way out of the folder: nothing.
    stale = re.sub(r"/assets/[0-9a-f]{16}/", "/assets/0123456789abcdef/", assets[0])
    for path in (stale, assets[0] + ".map", assets[0].rsplit("/", 1)[0] + "/../web.py"):
        response = await client.get(path)
        assert response.status == 404, path
        assert (await response.json())["error"]["code"] == "not_found"


async def test_a_hostile_host_header_cannot_widen_the_policy(client: TestClient) -> None:
    response = await client.get("/", headers={"Host": "evil.example; script-src *"})
    csp = response.headers["Content-Security-Policy"]
    assert "connect-src 'self';" in csp and "evil" not in csp


def test_any_change_to_a_file_gives_every_asset_a_new_address() -> None:
    files = {"index.html": b"<link href='{{base}}/a.css'>", "a.css": b"a{}", "js/m.js": b"1"}
    first = WebClient(files)
    second = WebClient({**files, "js/m.js": b"2"})
    assert first.version != second.version
    assert first.base in first.index.body.decode() and second.base in second.index.body.decode()


def test_the_client_has_no_inline_script_style_or_html_sinks() -> None:
    page = (WEB_ROOT / "index.html").read_text()
    assert all('src="' in tag for tag in re.findall(r"<script[^>]*>", page))
    assert not re.search(r"<style|\sstyle=|\son[a-z]+=", page)
    for module in WEB_ROOT.rglob("*.js"):
        code = module.read_text()
        assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|eval\(|new Function", code)


def test_every_client_file_is_package_data_in_the_wheel() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["chat_service"]
    package = WEB_ROOT.parent
    shipped = {
        Path(match)
        for pattern in patterns
        for match in glob.glob(pattern, root_dir=package, recursive=True)
    }
    files = {path.relative_to(package) for path in WEB_ROOT.rglob("*") if path.is_file()}
    assert files and files <= shipped
