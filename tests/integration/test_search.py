"""Message search over HTTP against the real stores: what is found (prefixes, URLs, file
names, accents), what never is (deleted and edited-away text, other people's messages),
paging, and that a deleted message leaves no row in the index."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from chat_service.domain.search import message_terms
from chat_service.infra.cassandra import CassandraSession
from chat_service.infra.settings import Settings
from chat_service.repos.search_index import window_of
from tests.integration.api import API, error_of, new_user, send_dm
from tests.integration.conversations_api import create_group, post


async def search(
    client: TestClient, headers: dict[str, str], q: str, conversation: str | None = None, **extra
) -> dict[str, Any]:
    path = f"conversations/{conversation}/messages/search" if conversation else "messages/search"
    params = {"q": q, **{k: str(v) for k, v in extra.items()}}
    response = await client.get(f"{API}/{path}", params=params, headers=headers)
    assert response.status == 200, await response.text()
    return await response.json()


def contents(page: dict[str, Any]) -> list[str]:
    return [m["content"] for m in page["messages"]]


async def _edit(client: TestClient, headers, conversation, message_id, content) -> None:
    response = await client.patch(
        f"{API}/conversations/{conversation}/messages/{message_id}",
        json={"content": content},
        headers=headers,
    )
    assert response.status == 200, await response.text()


async def _delete(client: TestClient, headers, conversation, message_id) -> None:
    response = await client.delete(
        f"{API}/conversations/{conversation}/messages/{message_id}", headers=headers
    )
    assert response.status == 204


@pytest.fixture
async def group(client: TestClient) -> tuple[str, dict[str, str]]:
    _, headers = await new_user(client)
    return (await create_group(client, headers, []))["id"], headers


async def test_words_are_found_whole_by_prefix_and_by_their_parts(
    client: TestClient, group: tuple[str, dict[str, str]]
) -> None:
    conversation, headers = group
    texts = [
        "Deploying the app tonight",
        "docs at https://www.Example.com/guides/setup_guide.html ok?",
        "attached q3_report.pdf for review",
        "meet at the Café at noon",
        "nothing to see here",
    ]
    for text in texts:
        await post(client, headers, conversation, text)
    cases = {
        "deploy": [texts[0]],
        "DEPLOYING APP": [texts[0]],
        "example.com": [texts[1]],
        "setup guide": [texts[1]],
        "report": [texts[2]],
        "q3_report.pdf": [texts[2]],
        "pdf": [texts[2]],
        "cafe": [texts[3]],
        "CAFÉ": [texts[3]],
        "the": [texts[3], texts[0]],  # newest first
        "deploy noon": [],  # every word is required
        "deploy app": [],  # only the last word is a prefix
    }
    for q, expected in cases.items():
        assert contents(await search(client, headers, q, conversation)) == expected, q


async def test_deleted_messages_are_never_found_and_leave_no_index_row(
    client: TestClient, migrated: Settings, group: tuple[str, dict[str, str]]
) -> None:
    conversation, headers = group
    text = "zanzibar launch codes"
    secret = await post(client, headers, conversation, text)
    assert contents(await search(client, headers, "zanzibar", conversation)) == [text]
    assert len(await _index_rows(migrated, secret, text, _in_group(secret))) == 3
    await _delete(client, headers, conversation, secret["id"])
    assert contents(await search(client, headers, "zanzibar", conversation)) == []
    assert await _index_rows(migrated, secret, text, _in_group(secret)) == []


async def test_a_deleted_direct_message_leaves_no_row_in_any_scope(
    client: TestClient, migrated: Settings
) -> None:
    bob, bob_h = await new_user(client)
    ann, ann_h = await new_user(client)
    text = "xylophone rehearsal"
    sent = await send_dm(client, ann_h, bob, text)
    scopes = [*_in_group(sent), f"u:{ann}", f"u:{bob}"]
    assert contents(await search(client, bob_h, "xylo")) == [text]
    assert len(await _index_rows(migrated, sent, text, scopes)) == 6  # 2 terms x 3 scopes
    await _delete(client, ann_h, sent["conversation_id"], sent["id"])
    for headers in (ann_h, bob_h):
        assert contents(await search(client, headers, "xylophone")) == []
    assert await _index_rows(migrated, sent, text, scopes) == []


async def test_an_edited_message_is_found_by_its_new_text_only(
    client: TestClient, migrated: Settings, group: tuple[str, dict[str, str]]
) -> None:
    conversation, headers = group
    message = await post(client, headers, conversation, "quokka sighting reported")
    await _edit(client, headers, conversation, message["id"], "wombat sighting reported")
    old = await _index_rows(migrated, message, "quokka", _in_group(message))
    assert old == []
    assert contents(await search(client, headers, "quokka", conversation)) == []
    assert contents(await search(client, headers, "wombat sight", conversation)) == [
        "wombat sighting reported"
    ]
    new = await _index_rows(migrated, message, "wombat sighting reported", _in_group(message))
    assert {row.term for row in new} == {"wombat", "sighting", "reported"}


async def test_pages_run_newest_first_without_repeats(
    client: TestClient, group: tuple[str, dict[str, str]]
) -> None:
    conversation, headers = group
    sent = [await post(client, headers, conversation, f"standup note {n}") for n in range(7)]
    await post(client, headers, conversation, "unrelated")
    seen: list[str] = []
    cursor: str | None = None
    while True:
        extra = {"before": cursor} if cursor else {}
        page = await search(client, headers, "standup", conversation, limit=3, **extra)
        seen += [m["id"] for m in page["messages"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [m["id"] for m in reversed(sent)]


async def test_direct_message_search_covers_the_callers_conversations_only(
    client: TestClient,
) -> None:
    ann, ann_h = await new_user(client)
    bob, bob_h = await new_user(client)
    _, cy_h = await new_user(client)
    await send_dm(client, ann_h, bob, "budget draft for ann and bob")
    await send_dm(client, cy_h, ann, "budget draft for cy and ann")
    assert len((await search(client, ann_h, "budget"))["messages"]) == 2
    assert contents(await search(client, bob_h, "budget")) == ["budget draft for ann and bob"]
    assert contents(await search(client, cy_h, "budget")) == ["budget draft for cy and ann"]


async def test_only_members_search_a_conversation(
    client: TestClient, group: tuple[str, dict[str, str]]
) -> None:
    conversation, headers = group
    await post(client, headers, conversation, "private plans")
    _, outsider_h = await new_user(client)
    for path in (conversation, str(uuid.uuid4())):
        response = await client.get(
            f"{API}/conversations/{path}/messages/search",
            params={"q": "private"},
            headers=outsider_h,
        )
        assert response.status == 404
        assert (await error_of(response))["code"] == "not_found"


@pytest.mark.parametrize(
    "params",
    [{}, {"q": ""}, {"q": "   "}, {"q": "x"}, {"q": "? ! -"}, {"q": "a" * 201},
     {"q": " ".join(f"w{n}" for n in range(9))}, {"q": "ok", "limit": "0"},
     {"q": "ok", "before": "not-a-cursor"}],
)  # fmt: skip
async def test_bad_queries_are_refused(client: TestClient, params: dict[str, str]) -> None:
    _, headers = await new_user(client)
    response = await client.get(f"{API}/messages/search", params=params, headers=headers)
    assert response.status == 400, await response.text()
    assert (await error_of(response))["code"] == "invalid_input"


async def _index_rows(
    settings: Settings, message: dict[str, Any], text: str, scopes: list[str]
) -> list[Any]:
    """The index's rows of `message` under every term `text` gives, in each scope."""
    message_id = uuid.UUID(message["id"])
    db = await CassandraSession.connect(settings, keyspace=settings.cassandra_keyspace)
    try:
        select = await db.prepare(
            "SELECT term FROM search_postings WHERE scope = ? AND time_window = ? "
            "AND term = ? AND message_id = ?"
        )
        rows = []
        for scope in scopes:
            for term in message_terms(text):
                key = (scope, window_of(message_id), term, message_id)
                rows += await db.execute(select, key)
    finally:
        await db.close()
    return rows


def _in_group(message: dict[str, Any]) -> list[str]:
    return [f"c:{message['conversation_id']}"]
