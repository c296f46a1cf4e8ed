"""Conditional writes whose outcome Cassandra could not tell (several replicas contending):
how they are recognised, and how a registration settles one. The session is a fake that
plays a script of answers."""

from __future__ import annotations

import uuid
from collections import namedtuple
from collections.abc import Sequence
from typing import Any

import pytest
from cassandra import WriteTimeout, WriteType
from cassandra.protocol import ErrorMessage

from chat_service.domain.errors import StoreUnavailable
from chat_service.infra.cassandra import (
    CAS_WRITE_UNKNOWN,
    CassandraSession,
    ConditionalWriteUnknown,
    _outcome_unknown,
)
from chat_service.repos.users import UserRepository

Inserted = namedtuple("Inserted", "applied id")
Owner = namedtuple("Owner", "id")
MINE, THEIRS = uuid.uuid4(), uuid.uuid4()
VALUES = ("ann", MINE, "hash", None)


def test_unknown_outcomes_are_recognised_and_nothing_else() -> None:
    assert _outcome_unknown(
        ErrorMessage(CAS_WRITE_UNKNOWN, "CAS operation result is unknown", None)
    )
    assert _outcome_unknown(WriteTimeout("timed out", write_type=WriteType.CAS))
    assert not _outcome_unknown(WriteTimeout("timed out", write_type=WriteType.SIMPLE))
    assert not _outcome_unknown(ErrorMessage(0x2200, "invalid query", None))


class ScriptedSession(CassandraSession):
    """A session whose `execute` answers the write from `inserts` and whose `settle`
    answers the serial read from `settles` (an exception in a script is raised instead);
    `conditional` is the real one."""

    def __init__(self, inserts: list[Any], settles: list[Any]) -> None:
        super().__init__(None, None, None)  # no driver behind it
        self.inserts, self.settles = inserts, settles

    async def execute(self, statement: object, params: object = (), **_: object) -> list[Any]:
        return self._next(self.inserts)

    async def settle(self, statement: object, params: Sequence[Any]) -> list[Any] | None:
        return self._next(self.settles)

    @staticmethod
    def _next(script: list[Any]) -> Any:
        answer = script.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def _repository(session: ScriptedSession) -> UserRepository:
    return UserRepository(session, {"insert_user": "insert", "owner": "owner"})


UNKNOWN = ConditionalWriteUnknown("unknown")


@pytest.mark.parametrize(
    ("inserts", "settles", "won"),
    [
        ([[Inserted(True, MINE)]], [], True),
        ([[Inserted(False, THEIRS)]], [], False),
        ([UNKNOWN], [[Owner(MINE)]], True),  # the unknown try was applied
        ([UNKNOWN], [[Owner(THEIRS)]], False),  # another registration won
        ([UNKNOWN, [Inserted(True, MINE)]], [[]], True),  # nobody's: tried again
        ([UNKNOWN, [Inserted(False, MINE)]], [None], True),  # ours, seen on the retry
    ],
)
async def test_a_registration_settles_an_unknown_outcome(
    inserts: list[Any], settles: list[Any], won: bool
) -> None:
    session = ScriptedSession(inserts, settles)
    assert await _repository(session)._insert_user(VALUES) is won
    assert session.inserts == [] and session.settles == []


async def test_an_outcome_that_stays_unknown_is_a_503() -> None:
    session = ScriptedSession([UNKNOWN] * 4, [None] * 4)
    with pytest.raises(StoreUnavailable):
        await _repository(session)._insert_user(VALUES)
