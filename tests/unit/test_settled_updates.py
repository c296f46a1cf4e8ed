"""Conditional updates whose outcome Cassandra cannot tell, settled by a LOCAL_SERIAL read:
spending a refresh token (the attempt's own id says who spent it) and editing a message
(the copy shows this edit's time, or that it was deleted)."""

from __future__ import annotations

import time
import uuid
from collections import namedtuple
from typing import Any

import pytest

from chat_service.domain.clock import ns_to_datetime
from chat_service.domain.errors import StoreUnavailable
from chat_service.infra.cassandra import ConditionalWriteUnknown
from chat_service.repos.bucket_tallies import BucketTallies
from chat_service.repos.refresh_tokens import RefreshTokenRepository
from chat_service.repos.timelines import TimelineStore
from tests.unit.test_conditional_writes import ScriptedSession

Spent = namedtuple("Spent", "applied")
Spender = namedtuple("Spender", "used spent_by")
MINE, THEIRS = uuid.uuid4(), uuid.uuid4()
UNKNOWN = ConditionalWriteUnknown("unknown")


def _repository(session: ScriptedSession) -> RefreshTokenRepository:
    return RefreshTokenRepository(session, {"spend": "spend", "spender": "spender"})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("spends", "settles", "won"),
    [
        ([[Spent(True)]], [], True),
        ([[Spent(False)]], [], False),
        ([UNKNOWN], [[Spender(True, MINE)]], True),  # the unknown try was applied
        ([UNKNOWN], [[Spender(True, THEIRS)]], False),  # a concurrent refresh won
        ([UNKNOWN, [Spent(True)]], [[Spender(False, None)]], True),  # nobody's: again
        ([UNKNOWN, [Spent(False)]], [None], False),  # the read could not tell; lost on retry
    ],
)
async def test_a_spend_settles_an_unknown_outcome(
    spends: list[Any], settles: list[Any], won: bool
) -> None:
    session = ScriptedSession(spends, settles)
    assert await _repository(session)._spent_by(MINE, b"digest") is won
    assert session.inserts == [] and session.settles == []


async def test_a_spend_that_stays_unknown_is_a_503() -> None:
    session = ScriptedSession([UNKNOWN] * 4, [None] * 4)
    with pytest.raises(StoreUnavailable):
        await _repository(session)._spent_by(MINE, b"digest")


Edited = namedtuple("Edited", "deleted edited_at")
EDITED_NS = 1_764_000_000_123_000_000


@pytest.mark.parametrize(
    ("edits", "settles", "applied"),
    [
        ([UNKNOWN], [[Edited(False, ns_to_datetime(EDITED_NS))]], True),  # ours landed
        ([UNKNOWN], [[Edited(True, None)]], False),  # deleted meanwhile
        ([UNKNOWN, [Spent(True)]], [[Edited(False, None)]], True),  # not yet: again
    ],
)
async def test_an_edit_settles_an_unknown_outcome(
    edits: list[Any], settles: list[Any], applied: bool
) -> None:
    session = ScriptedSession(edits, settles)
    tallies = BucketTallies(session, {}, time.time_ns)  # type: ignore[arg-type]
    store = TimelineStore(session, {"edit": "edit", "edited": "edited"}, False, tallies)  # type: ignore[arg-type]
    assert await store.edit("room", uuid.uuid1(), "new", EDITED_NS) is applied
    assert session.inserts == [] and session.settles == []
