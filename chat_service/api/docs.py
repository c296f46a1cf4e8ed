"""`GET /docs`: Swagger UI for `/api/v1/openapi.json`, a page to browse and try the API.

The assets come from the `swagger-ui-bundle-v2` package (Swagger UI 5, which reads OpenAPI
3.1), installed with the service: nothing is loaded from a CDN, and the page's
Content-Security-Policy lets it load nothing from anywhere but this origin.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web
from swagger_ui_bundle import swagger_ui_path

ASSETS_DIR = Path(str(swagger_ui_path))
SPEC_URL = "/api/v1/openapi.json"
INITIALIZER = "swagger-initializer.js"
# What the page loads; anything else in the package (source maps, its sample page) is not
# served. Content types are fixed here rather than guessed from the platform's tables.
ASSETS = {
    "swagger-ui.css": "text/css",
    "index.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
    "favicon-32x32.png": "image/png",
    "favicon-16x16.png": "image/png",
}
SECURITY_HEADERS = {
    # Swagger UI sets inline styles and draws some icons from data: URLs; no inline script.
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; connect-src 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
}

PAGE = """<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>chat-service API</title>
    <link rel="stylesheet" href="/docs/swagger-ui.css">
    <link rel="stylesheet" href="/docs/index.css">
    <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
    <link rel="icon" type="image/png" href="/docs/favicon-16x16.png" sizes="16x16">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/swagger-ui-bundle.js"></script>
    <script src="/docs/swagger-initializer.js"></script>
  </body>
</html>
"""

INITIALIZER_JS = f"""window.onload = function () {{
  window.ui = SwaggerUIBundle({{
    url: "{SPEC_URL}",
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  }});
}};
"""


async def page(_: web.Request) -> web.Response:
    return web.Response(text=PAGE, content_type="text/html", headers=SECURITY_HEADERS)


async def asset(request: web.Request) -> web.StreamResponse:
    name = request.match_info["asset"]
    if name == INITIALIZER:
        return web.Response(text=INITIALIZER_JS, content_type="text/javascript")
    content_type = ASSETS.get(name)
    if content_type is None:
        raise web.HTTPNotFound()
    response = web.FileResponse(ASSETS_DIR / name, headers={"Cache-Control": "max-age=86400"})
    response.content_type = content_type
    return response
