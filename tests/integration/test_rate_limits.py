import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from chat_service.app import create_app
from chat_service.infra.settings import Settings
from tests.conftest import unique_name
from tests.integration.api import API, PASSWORD, error_of, new_user, register
from tests.integration.conversations_api import create_group


@pytest.fixture(scope="module")
async def strict(migrated: Settings) -> AsyncIterator[TestClient]:
    """The service with small limits: 5 messages a minute, 3 failed logins."""
    settings = migrated.model_copy(
        update={"send_limit_per_minute": 5, "send_limit_per_day": 7, "login_failure_limit": 3}
    )
    async with TestClient(TestServer(create_app(settings))) as client:
        yield client


async def test_sends_over_the_limit_are_429_with_retry_after(strict: TestClient) -> None:
    _, headers = await new_user(strict)
    bob, _ = await new_user(strict)
    _, other_headers = await new_user(strict)
    group = await create_group(strict, headers, [bob])
    responses = await asyncio.gather(
        *(
            strict.post(
                f"{API}/messages/send", json={"recipient": bob, "content": f"{i}"}, headers=headers
            )
            for i in range(8)
        )
    )
    statuses = sorted(response.status for response in responses)
    assert statuses == [201] * 5 + [429] * 3  # atomic: never more than the limit
    refused = next(r for r in responses if r.status == 429)
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert (await error_of(refused))["code"] == "rate_limited"
    in_group = await strict.post(
        f"{API}/conversations/{group['id']}/messages", json={"content": "x"}, headers=headers
    )
    assert in_group.status == 429  # one budget for every way of sending
    other = await strict.post(
        f"{API}/messages/send", json={"recipient": bob, "content": "hi"}, headers=other_headers
    )
    assert other.status == 201


async def test_repeated_login_failures_are_slowed_down(strict: TestClient) -> None:
    name = await register(strict, unique_name())
    for _ in range(3):
        response = await strict.post(
            f"{API}/auth/login", json={"username": name, "password": "wrong-one"}
        )
        assert response.status == 401
    locked = await strict.post(f"{API}/auth/login", json={"username": name, "password": PASSWORD})
    assert locked.status == 429  # even the right password, until the window passes
    assert int(locked.headers["Retry-After"]) >= 1
    other = await register(strict, unique_name())
    ok = await strict.post(f"{API}/auth/login", json={"username": other, "password": PASSWORD})
    assert ok.status == 200
