import asyncio

import bcrypt
import jwt
import pytest
from aiohttp.test_utils import TestClient, TestServer

from chat_service.app import create_app
from chat_service.infra.settings import Settings
from tests.conftest import unique_name
from tests.integration.api import API, PASSWORD, bearer, error_of, login, new_user, register


async def test_register_answers_the_account(client: TestClient) -> None:
    name = unique_name("Reg")
    response = await client.post(
        f"{API}/auth/register", json={"username": name, "password": PASSWORD}
    )
    assert response.status == 201
    body = await response.json()
    assert set(body) == {"id", "username", "created_at"}
    assert body["username"] == name.lower()
    assert body["created_at"].endswith("Z")


async def test_usernames_are_case_insensitive(client: TestClient) -> None:
    name = unique_name("Minnie")
    await register(client, name)
    again = await client.post(
        f"{API}/auth/register", json={"username": name.lower(), "password": PASSWORD}
    )
    assert again.status == 409
    assert (await error_of(again))["code"] == "username_taken"
    tokens = await login(client, name.upper())
    assert tokens["data"]["username"] == name.lower()


async def test_exactly_one_of_many_concurrent_registrations_wins(client: TestClient) -> None:
    name = unique_name("race")
    responses = await asyncio.gather(
        *(
            client.post(f"{API}/auth/register", json={"username": name, "password": PASSWORD})
            for _ in range(12)
        )
    )
    statuses = sorted(response.status for response in responses)
    assert statuses == [201] + [409] * 11
    search = await client.get(
        f"{API}/users", params={"q": name}, headers=(await new_user(client))[1]
    )
    assert [user["username"] for user in (await search.json())["users"]] == [name]


async def test_invalid_registrations_name_the_field(client: TestClient) -> None:
    cases = [
        ({"username": "ab", "password": PASSWORD}, "username"),
        ({"username": "_bad", "password": PASSWORD}, "username"),
        ({"username": unique_name(), "password": "short"}, "password"),
        ({"username": unique_name(), "password": "x" * 129}, "password"),
        ({"username": 5, "password": PASSWORD}, "username"),
        ({"password": PASSWORD}, "username"),
    ]
    for body, field in cases:
        response = await client.post(f"{API}/auth/register", json=body)
        assert response.status == 400, body
        assert field in (await error_of(response))["details"]


async def test_malformed_bodies_are_400_and_other_types_415(client: TestClient) -> None:
    broken = await client.post(
        f"{API}/auth/register", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert broken.status == 400
    assert (await error_of(broken))["code"] == "invalid_json"
    array = await client.post(f"{API}/auth/register", json=[1, 2])
    assert array.status == 400
    form = await client.post(f"{API}/auth/register", data={"username": "abc"})
    assert form.status == 415


async def test_deeply_nested_json_is_refused_cleanly(client: TestClient) -> None:
    for depth in (2_000, 30_000):  # under the 64 KiB limit, far past orjson's 1,024 levels
        response = await client.post(
            f"{API}/auth/register",
            data=b"[" * depth + b"]" * depth,
            headers={"Content-Type": "application/json"},
        )
        assert response.status in (400, 413)
        await error_of(response)


async def test_body_over_64_kib_is_413(client: TestClient) -> None:
    response = await client.post(
        f"{API}/auth/register",
        data=b'{"username": "' + b"a" * 70_000 + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status == 413
    assert (await error_of(response))["code"] == "payload_too_large"


async def test_login_answers_tokens_in_the_reference_shape(client: TestClient) -> None:
    name = await register(client)
    body = await login(client, name)
    assert set(body) == {"token", "token_type", "expires_at", "refresh_token", "data"}
    assert body["token_type"] == "Bearer"
    assert set(body["data"]) == {"id", "username"}
    claims = jwt.decode(body["token"], options={"verify_signature": False})
    assert claims["exp"] > claims["iat"]


async def test_unknown_user_and_wrong_password_look_the_same(client: TestClient) -> None:
    name = await register(client)
    wrong = await client.post(f"{API}/auth/login", json={"username": name, "password": "nope-nope"})
    unknown = await client.post(
        f"{API}/auth/login", json={"username": unique_name(), "password": "nope-nope"}
    )
    malformed = await client.post(f"{API}/auth/login", json={"username": "!", "password": "x"})
    assert wrong.status == unknown.status == malformed.status == 401
    assert await wrong.json() == await unknown.json() == await malformed.json()
    assert (await wrong.json())["error"]["code"] == "invalid_credentials"


async def test_every_login_failure_costs_one_bcrypt_at_the_accounts_cost(
    migrated: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wrong password, an unknown name and a name that can never exist each check the
    password once against a hash of the account's cost (the decoy, when there is no
    account), so their answers take alike: counted in bcrypt's own calls, not timed. (A
    cost of 5, not the suite's 4, so that a decoy made at a fixed cost shows.)"""
    checked: list[bytes] = []
    real_checkpw = bcrypt.checkpw

    def counted(password: bytes, hashed: bytes) -> bool:
        checked.append(hashed)
        return bool(real_checkpw(password, hashed))

    monkeypatch.setattr(bcrypt, "checkpw", counted)
    settings = migrated.model_copy(update={"bcrypt_cost": 5})
    async with TestClient(TestServer(create_app(settings))) as client:
        name = await register(client)
        for username in (name, unique_name(), "\u00fcber" * 20):
            checked.clear()
            response = await client.post(
                f"{API}/auth/login", json={"username": username, "password": "nope-nope"}
            )
            assert response.status == 401
            assert (await error_of(response))["code"] == "invalid_credentials"
            assert [hashed[:7] for hashed in checked] == [b"$2b$05$"], username


async def test_the_whole_password_counts_beyond_72_bytes(client: TestClient) -> None:
    long_password = "p" * 80
    name = await register(client, password=long_password)
    near_miss = long_password[:75] + "q" * 5
    response = await client.post(
        f"{API}/auth/login", json={"username": name, "password": near_miss}
    )
    assert response.status == 401
    await login(client, name, long_password)


async def test_refresh_works_once(client: TestClient) -> None:
    name = await register(client)
    first = await login(client, name)
    refreshed = await client.post(
        f"{API}/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert refreshed.status == 200
    body = await refreshed.json()
    assert body["data"]["username"] == name and body["refresh_token"] != first["refresh_token"]
    again = await client.post(f"{API}/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert again.status == 401
    me = await client.get(f"{API}/users/me", headers=bearer(body["token"]))
    assert me.status == 200


async def test_concurrent_refreshes_of_one_token_yield_one_pair(client: TestClient) -> None:
    tokens = await login(client, await register(client))
    responses = await asyncio.gather(
        *(
            client.post(f"{API}/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
            for _ in range(6)
        )
    )
    assert sorted(response.status for response in responses) == [200] + [401] * 5


async def test_logout_revokes_the_refresh_token(client: TestClient) -> None:
    tokens = await login(client, await register(client))
    out = await client.post(f"{API}/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert out.status == 204
    after = await client.post(
        f"{API}/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert after.status == 401


async def test_me(client: TestClient) -> None:
    name, headers = await new_user(client)
    response = await client.get(f"{API}/users/me", headers=headers)
    assert response.status == 200
    body = await response.json()
    assert body["username"] == name
    assert set(body) == {"id", "username", "created_at", "email", "email_verified"}
    assert (body["email"], body["email_verified"]) == (None, False)


async def test_bad_tokens_are_401_with_www_authenticate(
    client: TestClient, migrated: Settings
) -> None:
    _, headers = await new_user(client)
    good = headers["Authorization"].split()[1]
    claims = jwt.decode(good, options={"verify_signature": False})
    secret = migrated.jwt_secret.get_secret_value()
    forged = jwt.encode(claims, "another-secret-that-is-long-enough-0123", algorithm="HS256")
    expired = jwt.encode({**claims, "exp": 1, "iat": 0}, secret, algorithm="HS256")
    no_exp = jwt.encode({k: v for k, v in claims.items() if k != "exp"}, secret, algorithm="HS256")
    other_alg = jwt.encode(claims, secret, algorithm="HS512")
    header, payload, _ = good.split(".")
    none_alg = jwt.encode(claims, None, algorithm="none")
    tampered = f"{header}.{payload[:-2]}AA.{good.split('.')[2]}"
    for value in [
        None,
        "Bearer",
        "Basic abc",
        f"Bearer {forged}",
        f"Bearer {expired}",
        f"Bearer {no_exp}",
        f"Bearer {other_alg}",
        f"Bearer {none_alg}",
        f"Bearer {tampered}",
        "Bearer not.a.jwt",
    ]:
        response = await client.get(
            f"{API}/users/me", headers={"Authorization": value} if value else {}
        )
        assert response.status == 401, value
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert (await error_of(response))["code"] == "unauthorized"


async def test_user_search_by_prefix_pages_by_cursor(client: TestClient) -> None:
    _, headers = await new_user(client)
    stem = unique_name("s")[:9]
    names = sorted([await register(client, f"{stem}{i:02d}") for i in range(7)])
    seen: list[str] = []
    cursor = None
    while True:
        params = {"q": stem.upper(), "limit": "3", **({"cursor": cursor} if cursor else {})}
        response = await client.get(f"{API}/users/", params=params, headers=headers)
        assert response.status == 200
        body = await response.json()
        seen += [user["username"] for user in body["users"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == names


async def test_user_search_validates_limit(client: TestClient) -> None:
    _, headers = await new_user(client)
    for limit in ["0", "101", "x"]:
        response = await client.get(f"{API}/users", params={"limit": limit}, headers=headers)
        assert response.status == 400


async def test_listing_without_prefix_walks_every_partition(client: TestClient) -> None:
    _, headers = await new_user(client)
    response = await client.get(f"{API}/users", params={"limit": "100"}, headers=headers)
    names = [user["username"] for user in (await response.json())["users"]]
    assert names == sorted(names) and len(names) >= 2
