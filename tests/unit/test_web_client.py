"""The web client's files are read and compressed once per process, not once per app."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp import web

from chat_service.api import web as web_client
from chat_service.api.routes import setup_routes
from chat_service.api.web import WebClient


def test_the_files_are_read_and_gzipped_at_the_first_load_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "index.html").write_text("<script src='{{base}}/app.js'></script>")
    (tmp_path / "app.js").write_text("console.log('hello');\n" * 100)
    compressed: list[int] = []
    real_compress = web_client.gzip.compress

    def counted(data: bytes, *args: object, **kwargs: object) -> bytes:
        compressed.append(len(data))
        return real_compress(data, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(web_client.gzip, "compress", counted)
    first = WebClient.load(tmp_path)
    assert len(compressed) == 2  # the page and the module
    (tmp_path / "app.js").write_text("changed")  # not read again: the first load stands
    again = WebClient.load(tmp_path)
    assert again is first and len(compressed) == 2
    assert again.assets["app.js"].body.startswith(b"console.log")


def test_every_app_built_serves_the_one_client() -> None:
    def client_of(app: web.Application) -> object:
        (page,) = [
            route
            for route in app.router.routes()
            if route.method == "GET" and route.resource and route.resource.canonical == "/"
        ]
        return page.handler.__self__  # type: ignore[attr-defined]  # a bound method

    apps = [web.Application(), web.Application()]
    for app in apps:
        setup_routes(app)
    assert client_of(apps[0]) is client_of(apps[1]) is WebClient.load()
