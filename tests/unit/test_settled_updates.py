"""Conditional updates whose outcome Cassandra cannot tell, settled by a LOCAL_SERIAL read
(`CassandraSession.conditional`): spending a refresh token (the attempt's own id says who
spent it), editing a message (the copy shows this edit's time, or that it was deleted),
spending an email token (found used: refused), claiming queued mail (this sender's lease
end shows) and changing a member's role (the row shows the role)."""

from __future__ import annotations

import time
import uuid
from collections import namedtuple
from typing import Any

import pytest

from chat_service.domain.clock import ns_to_datetime
from chat_service.domain.errors import StoreUnavailable
from chat_service.domain.models import QueuedMail, Role
from chat_service.infra.cassandra import ConditionalWriteUnknown, SerialRead
from chat_service.repos.bucket_tallies import BucketTallies
from chat_service.repos.conversations import ConversationRepository
from chat_service.repos.email_tokens import EmailTokenRepository
from chat_service.repos.mail_outbox import MailOutboxRepository
from chat_service.repos.refresh_tokens import RefreshTokenRepository
from chat_service.repos.timelines import TimelineStore
from tests.unit.test_conditional_writes import ScriptedSession

Spent = namedtuple("Spent", "applied")
Spender = namedtuple("Spender", "used spent_by")
MINE, THEIRS = uuid.uuid4(), uuid.uuid4()
UNKNOWN = ConditionalWriteUnknown("unknown")


def _repository(session: ScriptedSession) -> RefreshTokenRepository:
    return RefreshTokenRepository(session, {"spend": "spend", "spender": "spender"})


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


@pytest.mark.parametrize(
    ("deletes", "settles"),
    [
        ([[Spent(True)]], []),
        ([UNKNOWN], [[Edited(True, None)]]),  # ours (or another delete) landed
        ([UNKNOWN, [Spent(True)]], [[Edited(False, None)]]),  # not yet: again
        ([UNKNOWN, [Spent(True)]], [None]),  # the read could not tell: again
    ],
)
async def test_a_soft_delete_is_conditional_and_settles_an_unknown_outcome(
    deletes: list[Any], settles: list[Any]
) -> None:
    session = ScriptedSession(deletes, settles)
    tallies = BucketTallies(session, {}, time.time_ns)  # type: ignore[arg-type]
    statements = {"soft_delete": "soft_delete", "edited": "edited"}
    store = TimelineStore(session, statements, False, tallies)  # type: ignore[arg-type]
    await store.soft_delete("room", uuid.uuid1())
    assert session.inserts == [] and session.settles == []


Used = namedtuple("Used", "used")


@pytest.mark.parametrize(
    ("spends", "settles", "spent"),
    [
        ([[Spent(True)]], [], True),
        ([[Spent(False)]], [], False),
        ([UNKNOWN], [[Used(True)]], False),  # used: maybe by a concurrent click, refused
        ([UNKNOWN], [[]], False),  # expired meanwhile
        ([UNKNOWN, [Spent(True)]], [[Used(False)]], True),  # nobody's try applied: again
        ([UNKNOWN, [Spent(True)]], [None], True),  # the read could not tell: again
    ],
)
async def test_an_email_token_spend_settles_an_unknown_outcome(
    spends: list[Any], settles: list[Any], spent: bool
) -> None:
    session = ScriptedSession(spends, settles)
    tokens = EmailTokenRepository(session, {"spend": "spend", "used": "used"})
    assert await tokens._spent(b"digest") is spent
    assert session.inserts == [] and session.settles == []


Lease = namedtuple("Lease", "not_before")
READ_NS, MY_LEASE_NS, THEIR_LEASE_NS = (
    1_764_000_000_000_000_000,
    1_764_000_060_000_000_000,
    1_764_000_061_000_000_000,
)


@pytest.mark.parametrize(
    ("claims", "settles", "held"),
    [
        ([[Spent(True)]], [], True),
        ([[Spent(False)]], [], False),
        ([UNKNOWN], [[Lease(ns_to_datetime(MY_LEASE_NS))]], True),  # ours was applied
        ([UNKNOWN], [[Lease(ns_to_datetime(THEIR_LEASE_NS))]], False),  # another sender's
        ([UNKNOWN], [[]], False),  # sent and deleted by another sender
        ([UNKNOWN, [Spent(True)]], [[Lease(ns_to_datetime(READ_NS))]], True),  # not yet
    ],
)
async def test_a_mail_claim_settles_an_unknown_outcome(
    claims: list[Any], settles: list[Any], held: bool
) -> None:
    session = ScriptedSession(claims, settles)
    outbox = MailOutboxRepository(session, {"claim": "claim", "lease": "lease"})
    queued = QueuedMail(uuid.uuid1(), None, attempts=0, not_before_ns=READ_NS)
    assert await outbox.claim(queued, MY_LEASE_NS) is held
    assert session.inserts == [] and session.settles == []


Member = namedtuple("Member", "role")


@pytest.mark.parametrize(
    ("updates", "settles", "applied"),
    [
        ([[Spent(True)]], [], True),
        ([[Spent(False)]], [], False),  # not a member
        ([UNKNOWN], [[Member("admin")]], True),  # applied
        ([UNKNOWN], [[]], False),  # left meanwhile
        ([UNKNOWN], [[Member(None)]], False),  # only the read marker is left
        ([UNKNOWN, [Spent(True)]], [[Member("member")]], True),  # not yet: again
    ],
)
async def test_a_role_change_settles_an_unknown_outcome(
    updates: list[Any], settles: list[Any], applied: bool
) -> None:
    session = ScriptedSession(updates, settles)
    conversations = ConversationRepository(session, {"set_role": "set_role", "member": "m"})
    assert await conversations.set_role(uuid.uuid4(), "ann", Role.ADMIN) is applied
    assert session.inserts == [] and session.settles == []


async def test_a_conditional_write_is_tried_at_most_its_attempts() -> None:
    session = ScriptedSession([UNKNOWN, UNKNOWN, [Spent(True)]], [[], None])
    never: SerialRead[bool] = SerialRead("read", (), lambda rows: None)
    with pytest.raises(StoreUnavailable):
        await session.conditional("write", (), answer=bool, settle=never, attempts=2)
    assert session.inserts == [[Spent(True)]]  # the third answer was never asked for
