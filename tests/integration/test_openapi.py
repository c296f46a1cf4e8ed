from aiohttp.test_utils import TestClient

from chat_service.api.openapi import SPEC
from tests.integration.api import API


async def test_openapi_json_is_served(client: TestClient) -> None:
    response = await client.get(f"{API}/openapi.json")
    assert response.status == 200
    assert response.content_type == "application/json"
    assert await response.json() == SPEC
