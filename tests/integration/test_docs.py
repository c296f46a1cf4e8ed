"""`GET /docs`: Swagger UI for the OpenAPI document, every asset served by the service."""

from __future__ import annotations

from html.parser import HTMLParser

from aiohttp.test_utils import TestClient

from tests.integration.api import API


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.urls.append(value)


async def test_docs_page_loads_every_asset_from_the_service(client: TestClient) -> None:
    response = await client.get("/docs")
    assert response.status == 200
    assert response.content_type == "text/html"
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    parser = _References()
    parser.feed(await response.text())
    assert len(parser.urls) >= 5
    for url in parser.urls:
        assert url.startswith("/docs/"), f"{url} is not served by the service"
        asset = await client.get(url)
        body = await asset.read()
        assert asset.status == 200 and body, url
        expected = {"js": "text/javascript", "css": "text/css", "png": "image/png"}
        assert asset.content_type == expected[url.rsplit(".", 1)[1]], url
    initializer = await (await client.get("/docs/swagger-initializer.js")).text()
    assert f'url: "{API}/openapi.json"' in initializer
    assert "http" not in initializer  # no other site, not even the validator badge
    assert (await client.get(f"{API}/openapi.json")).status == 200


async def test_the_bundled_ui_is_swagger_ui_5(client: TestClient) -> None:
    """Swagger UI 4 cannot render OpenAPI 3.1, which the document is."""
    bundle = await (await client.get("/docs/swagger-ui-bundle.js")).text()
    assert "SwaggerUIBundle" in bundle
    spec = await (await client.get(f"{API}/openapi.json")).json()
    assert spec["openapi"].startswith("3.1")


async def test_only_the_pages_assets_are_served(client: TestClient) -> None:
    for name in ("swagger-ui.js.map", "index.html", "..%2F__init__.py", "nothing.js"):
        response = await client.get(f"/docs/{name}")
        assert response.status == 404, name
        assert (await response.json())["error"]["code"] == "not_found"
