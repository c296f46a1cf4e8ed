"""Events over the bus: the reaction and pin fields survive the trip, and an event this
process cannot read (another version's type) is skipped, not the end of its delivery."""

from __future__ import annotations

import uuid

import orjson

from chat_service.domain.events import Event, EventType
from chat_service.domain.ids import TimeUuidFactory
from chat_service.domain.models import Message, ReactionCount
from chat_service.repos.cache.events import decode_event, decode_known, encode_event
from chat_service.repos.cache.timelines import encode
from chat_service.services.sessions import ended_event

ROOM = uuid.uuid4()


def test_reaction_and_pin_events_round_trip() -> None:
    message_id = TimeUuidFactory().new()
    reacted = Event(
        EventType.REACTIONS, ("ann", "bob"), ROOM, username="bob", message_id=message_id,
        reactions=(ReactionCount("👍", 2, False),), emoji="👍", added=True,
    )  # fmt: skip
    pinned = Event(EventType.PINS, ("ann",), ROOM, message_id=message_id, pinned=False)
    plain = Event(EventType.READ, ("ann",), ROOM, username="ann", message_id=message_id)
    for event in (reacted, pinned, plain):
        assert decode_event(encode_event(event)) == event


def test_an_end_of_sessions_carries_its_generation() -> None:
    ended = ended_event("ann", 1_764_633_600_000_000_000)
    assert decode_event(encode_event(ended)).generation == ended.generation
    older = orjson.loads(encode_event(ended))
    del older["g"]  # from a process of the version before
    assert decode_event(orjson.dumps(older)).generation is None


def test_an_event_of_an_unknown_type_or_shape_is_skipped() -> None:
    newer = orjson.loads(encode_event(Event(EventType.READ, ("ann",), ROOM, username="ann")))
    newer["t"] = "conversation.typing"
    assert decode_known(orjson.dumps(newer)) is None
    assert decode_known(b"not json") is None
    assert decode_known(b'{"t": "message.created"}') is None


def test_a_message_travels_nested_and_an_older_process_string_is_still_read() -> None:
    ids = TimeUuidFactory()
    message = Message(ids.new(), ROOM, "ann", None, 'hi "there"', mentions=("bob",))
    event = Event(EventType.MESSAGE_CREATED, ("bob",), ROOM, message=message, change_id=ids.new())
    raw = encode_event(event)
    nested = orjson.loads(raw)
    assert nested["m"] == orjson.loads(encode(message))  # an object, parsed with the event
    assert decode_event(raw) == event
    nested["m"] = encode(message).decode()  # what a process before the nesting sends
    assert decode_event(orjson.dumps(nested)) == event
