"""The search index against the real Cassandra: whole words and prefixes, the walk over
weekly windows newest first, and the cursor a request hands on when it stops early."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator

import pytest

from chat_service.domain.ids import NS_PER_DAY, TimeUuidFactory
from chat_service.domain.search import parse_query
from chat_service.infra.caches import CacheRegistry
from chat_service.infra.cassandra import CassandraSession
from chat_service.infra.settings import Settings
from chat_service.repos.search_index import WINDOW_DAYS, WINDOWS_PER_PAGE, SearchIndex

WEEK_NS = WINDOW_DAYS * NS_PER_DAY


@pytest.fixture(scope="module")
async def index(migrated: Settings) -> AsyncIterator[SearchIndex]:
    db = await CassandraSession.connect(migrated, keyspace=migrated.cassandra_keyspace)
    yield await SearchIndex.create(db, CacheRegistry().fifo("known_search_windows", 1_000))
    await db.close()


def _weeks_ago(weeks: int) -> uuid.UUID:
    """A fresh factory each time: one factory never goes back in time."""
    return TimeUuidFactory().new(time.time_ns() - weeks * WEEK_NS)


async def test_whole_words_and_prefixes_within_a_window(index: SearchIndex) -> None:
    scope = f"c:{uuid.uuid4()}"
    deploying, deploy, other = _weeks_ago(0), _weeks_ago(0), _weeks_ago(0)
    await index.add([scope], deploying, ["deploying", "app"], 1)
    await index.add([scope], deploy, ["deploy", "app"], 1)
    await index.add([scope], other, ["depot"], 1)
    found = await index.find(scope, parse_query("deploy"), None, 10)
    assert found.ids == [deploy, deploying] and found.floor is None
    assert (await index.find(scope, parse_query("app deploy"), None, 10)).ids == [deploy, deploying]
    assert (await index.find(scope, parse_query("deploy app"), None, 10)).ids == [deploy]
    assert (await index.find(scope, parse_query("dep"), None, 10)).ids == [other, deploy, deploying]
    await index.remove([scope], deploy, ["deploy", "app"], 2)
    assert (await index.find(scope, parse_query("deploy"), None, 10)).ids == [deploying]


async def test_windows_are_walked_newest_first_and_a_full_page_stops_the_walk(
    index: SearchIndex,
) -> None:
    scope = f"u:{uuid.uuid4().hex[:12]}"
    ids = [_weeks_ago(weeks) for weeks in (9, 3, 0, 0)][::-1]  # newest first
    for message_id in ids:
        await index.add([scope], message_id, ["standup"], 1)
    first = await index.find(scope, parse_query("standup"), None, 2)
    assert first.ids == ids[:2] and first.floor is not None
    rest = await index.find(scope, parse_query("standup"), first.floor, 10)
    assert rest.ids == ids[2:] and rest.floor is None
    below = await index.find(scope, parse_query("standup"), ids[1], 10)  # a message cursor
    assert below.ids == ids[2:]


async def test_one_request_walks_at_most_half_a_year_and_says_where_to_go_on(
    index: SearchIndex,
) -> None:
    scope = f"c:{uuid.uuid4()}"
    weeks = WINDOWS_PER_PAGE + 4
    ids = [_weeks_ago(week) for week in range(weeks)]
    for message_id in ids:
        await index.add([scope], message_id, ["retro"], 1)
    first = await index.find(scope, parse_query("retro"), None, 100)
    assert first.ids == ids[:WINDOWS_PER_PAGE] and first.floor is not None
    rest = await index.find(scope, parse_query("retro"), first.floor, 100)
    assert rest.ids == ids[WINDOWS_PER_PAGE:] and rest.floor is None
