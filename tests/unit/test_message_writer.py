"""MessageWriter's rules on fakes: what a message's storage is asked to write, and the retry
key (claimed, answered by an earlier attempt, or refused for another conversation)."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field

import pytest

from chat_service.domain.errors import Conflict
from chat_service.domain.events import EventType
from chat_service.domain.ids import TimeUuidFactory, direct_conversation_id
from chat_service.domain.models import ConversationType, Message
from chat_service.services.messaging import Draft, MessageWriter, Target
from tests.unit.fakes.bus import FakeEventBus
from tests.unit.fakes.sends import FakeSentEffects
from tests.unit.fakes.stores import FakeConversations, FakeHistory, FakeMessages
from tests.unit.fakes.timelines import FakeTimelineCache

DM = Target(direct_conversation_id("ann", "bob"), ConversationType.DIRECT, ("ann", "bob"), "bob")
ROOM = Target(uuid.uuid4(), ConversationType.GROUP, ("ann", "bob", "cy"))


@dataclass
class Writes:
    activity: FakeConversations = field(default_factory=FakeConversations)
    timelines: FakeTimelineCache = field(default_factory=FakeTimelineCache)
    events: FakeEventBus = field(default_factory=FakeEventBus)
    pauses: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.messages = FakeMessages(FakeHistory(), self.activity)

    def writer(self, on_pause=None) -> MessageWriter:
        async def sleep(seconds: float) -> None:
            self.pauses.append(seconds)
            if on_pause is not None:
                on_pause(len(self.pauses))

        return MessageWriter(
            self.messages,
            self.activity,
            self.timelines,
            self.events,
            TimeUuidFactory(),
            sleep,
            sent=FakeSentEffects(self.timelines, self.events),
        )


def post(writer: MessageWriter, target: Target, key: str | None = None) -> Message:
    return asyncio.run(writer.post(target, Draft("ann", "hello", retry_key=key)))


def test_a_direct_message_is_stored_with_its_conversation_rows_in_one_write() -> None:
    writes = Writes()
    message = post(writes.writer(), DM)
    (stored,) = writes.messages.stored
    assert stored.message == message and message.recipient == "bob"
    assert stored.copies == ("ann", "bob")
    assert stored.activity_for == ("ann", "bob")
    assert stored.read_marker_for == "ann"
    assert stored.direct_between == ("ann", "bob")
    assert writes.activity.fanned_out == []  # nothing fanned out after it
    assert [event.type for event in writes.events.published] == [EventType.MESSAGE_CREATED]


def test_a_group_message_moves_the_senders_row_with_it_and_the_others_after() -> None:
    writes = Writes()
    message = post(writes.writer(), ROOM)
    (stored,) = writes.messages.stored
    assert (stored.copies, stored.activity_for, stored.read_marker_for) == ((), ("ann",), "ann")
    assert stored.direct_between is None
    assert writes.activity.fanned_out == [(ROOM.conversation_id, ("bob", "cy"), message.id)]


def test_a_retry_key_claimed_first_stores_the_message_under_the_new_id() -> None:
    writes = Writes()
    message = post(writes.writer(), DM, key="k1")
    assert writes.messages.claims[("ann", "k1")] == (DM.conversation_id, message.id)
    assert [s.message.id for s in writes.messages.stored] == [message.id]
    assert writes.pauses == []


def test_a_retry_answers_with_what_the_earlier_attempt_stored_and_stores_nothing() -> None:
    writes = Writes()
    first = post(writes.writer(), DM, key="k1")
    again = post(writes.writer(), DM, key="k1")
    assert again == first
    assert len(writes.messages.stored) == 1
    assert len(writes.events.published) == 1
    assert len(writes.timelines.appended) == 1


def test_a_retry_waits_for_an_earlier_attempt_still_in_flight() -> None:
    writes = Writes()
    earlier = Message(uuid.uuid1(), DM.conversation_id, "ann", "bob", "hello")
    writes.messages.claims[("ann", "k1")] = (DM.conversation_id, earlier.id)

    def lands(pause_count: int) -> None:
        if pause_count == 3:  # the first attempt's write lands during the third wait
            writes.messages.put(earlier)

    found = post(writes.writer(on_pause=lands), DM, key="k1")
    assert found == earlier
    assert writes.pauses == [0.0, 0.05, 0.1]
    assert writes.messages.stored == []


def test_a_retry_whose_earlier_attempt_died_stores_under_the_claimed_id() -> None:
    writes = Writes()
    claimed = uuid.uuid1()
    writes.messages.claims[("ann", "k1")] = (DM.conversation_id, claimed)
    message = post(writes.writer(), DM, key="k1")
    assert message.id == claimed
    assert [s.message.id for s in writes.messages.stored] == [claimed]
    assert writes.pauses == [0.0, 0.05, 0.1, 0.2, 0.4, 0.8]


def test_a_retry_key_used_for_another_conversation_is_a_conflict() -> None:
    writes = Writes()
    post(writes.writer(), ROOM, key="k1")
    with pytest.raises(Conflict) as refused:
        post(writes.writer(), DM, key="k1")
    assert refused.value.code == "client_message_id_conflict"
    assert len(writes.messages.stored) == 1
