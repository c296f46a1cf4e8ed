"""Typing indicators on fakes, with a fake clock: who hears what, and how often."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import pytest

from chat_service.domain.errors import NotFound
from chat_service.domain.events import EPHEMERAL_EVENTS, Event, EventType
from chat_service.domain.ids import TimeUuidFactory
from chat_service.domain.models import Conversation, ConversationType, Member, MessageKind, Role
from chat_service.infra.caches import CacheRegistry
from chat_service.repos.cache.events import BusUp
from chat_service.services.access import ConversationAccess
from chat_service.services.member_cache import MemberCache
from chat_service.services.messaging import Draft, MessageWriter, Target
from chat_service.services.roster_cache import RosterCache
from chat_service.services.typing import GROUP_MAX, TypingService
from tests.unit.fakes.bus import FakeEventBus
from tests.unit.fakes.live import FakeTypingStore
from tests.unit.fakes.sends import FakeSentEffects
from tests.unit.fakes.stores import FakeConversations, FakeHistory, FakeMessages
from tests.unit.fakes.timelines import FakeTimelineCache, FakeTimelines


class Clock:
    def __init__(self) -> None:
        self.ms = 1_800_000_000_000

    def __call__(self) -> int:
        return self.ms


class CountingConversations(FakeConversations):
    """Counts every read, as the statement metrics do for Cassandra."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    async def members(self, conversation_id: uuid.UUID) -> list[Member]:
        self.reads += 1
        return await super().members(conversation_id)

    async def member(self, conversation_id: uuid.UUID, username: str) -> Member | None:
        self.reads += 1
        return await super().member(conversation_id, username)


class Typing:
    def __init__(self) -> None:
        self.clock = Clock()
        self.store = FakeTypingStore()
        self.events = FakeEventBus()
        self.conversations = CountingConversations()
        caches = CacheRegistry()
        members = MemberCache(caches.fifo("members", 100), ttl_s=10, clock=lambda: 0.0)
        self.rosters = RosterCache(
            caches.fifo("rosters", 100), ttl_s=10, keep_max=GROUP_MAX, clock=lambda: 0.0
        )
        for cache in (members, self.rosters):
            cache.hear(BusUp())
        access = ConversationAccess(self.conversations, FakeTimelines(FakeHistory()), members)
        self.service = TypingService(
            self.store, self.rosters, self.conversations, access, self.events, self.clock
        )

    async def group(self, *members: str) -> uuid.UUID:
        conversation = Conversation(uuid.uuid4(), ConversationType.GROUP, "g", members[0], False, 0)
        await self.conversations.create_group(
            conversation, [Member(name, Role.MEMBER, 0) for name in members]
        )
        return conversation.id

    def typing_events(self) -> list[tuple[tuple[str, ...], tuple[str, ...] | None]]:
        return [(e.recipients, e.usernames) for e in self.events.of_type(EventType.TYPING)]

    def writer(self) -> tuple[MessageWriter, FakeSentEffects]:
        """A message writer that ends typing through this service and store, on stores of
        its own; and the follow-up fake that records the typing stops it asks for."""
        conversations = FakeConversations()
        sent = FakeSentEffects(FakeTimelineCache(), FakeEventBus(), self.store)
        writer = MessageWriter(
            FakeMessages(FakeHistory(), conversations),
            conversations,
            FakeTimelineCache(),
            FakeEventBus(),
            TimeUuidFactory(),
            sent=sent,
            typing=self.service,
        )
        return writer, sent


async def test_a_signal_reaches_the_other_members_with_everyone_typing() -> None:
    typing = Typing()
    room = await typing.group("ann", "bob", "cat")
    await typing.service.signal("ann", room)
    typing.clock.ms += 100
    await typing.service.signal("bob", room)
    assert typing.typing_events() == [
        (("bob", "cat"), ("ann",)),
        (("ann", "cat"), ("ann", "bob")),
    ]


async def test_fifty_signals_in_two_seconds_cause_at_most_two_fan_outs() -> None:
    typing = Typing()
    room = await typing.group("ann", "bob")
    for _ in range(50):
        await typing.service.signal("ann", room)
        typing.clock.ms += 40  # 50 signals over 2 s
    assert 1 <= len(typing.typing_events()) <= 2
    await typing.service.signal("ann", room)  # 2 s after the first: sent out again
    assert len(typing.typing_events()) == 2


async def test_signals_read_the_member_list_once() -> None:
    typing = Typing()
    room = await typing.group("ann", "bob")
    reads_before = typing.conversations.reads
    for _ in range(50):
        await typing.service.signal("ann", room)
    assert typing.conversations.reads - reads_before == 1


async def test_a_user_stops_counting_five_seconds_after_their_last_signal() -> None:
    typing = Typing()
    room = await typing.group("ann", "bob", "cat")
    await typing.service.signal("ann", room)
    typing.clock.ms += 4_999
    await typing.service.signal("bob", room)
    typing.clock.ms += 1
    await typing.service.signal("cat", room)
    assert [names for _, names in typing.typing_events()] == [
        ("ann",),
        ("ann", "bob"),
        ("bob", "cat"),
    ]


async def sent_by(typing: Typing, room: uuid.UUID, sender: str, members: Sequence[str]) -> None:
    """What the message writer does for a sent message: the stop, then its fan-out."""
    at = typing.service.stop_at_ms(members)
    assert at is not None
    still = await typing.store.stop(room, sender, at)
    if still is not None:
        await typing.service.stopped_typing(room, sender, members, still)


async def test_sending_ends_typing_and_tells_the_others() -> None:
    typing = Typing()
    room = await typing.group("ann", "bob", "cat")
    await typing.service.signal("ann", room)
    await typing.service.signal("bob", room)
    await sent_by(typing, room, "ann", ["ann", "bob", "cat"])
    assert typing.typing_events()[-1] == (("bob", "cat"), ("bob",))
    await sent_by(typing, room, "ann", ["ann", "bob", "cat"])  # not typing: nothing
    assert len(typing.typing_events()) == 3
    await typing.service.signal("ann", room)  # the quiet period ended with the message
    assert typing.typing_events()[-1] == (("bob", "cat"), ("ann", "bob"))


async def test_a_non_member_gets_not_found_and_nothing_is_sent() -> None:
    typing = Typing()
    room = await typing.group("ann", "bob")
    for conversation in (room, uuid.uuid4()):
        with pytest.raises(NotFound):
            await typing.service.signal("eve", conversation)
    assert typing.typing_events() == [] and typing.store.calls == 0


async def test_large_groups_get_no_typing_events() -> None:
    typing = Typing()
    names = [f"user{i:03d}" for i in range(GROUP_MAX + 1)]
    room = await typing.group(*names)
    await typing.service.signal("user000", room)
    assert typing.service.stop_at_ms(names) is None  # a message there asks for no stop
    with pytest.raises(NotFound):
        await typing.service.signal("eve", room)
    assert typing.typing_events() == [] and typing.store.calls == 0


async def test_a_group_of_exactly_the_maximum_gets_them() -> None:
    typing = Typing()
    room = await typing.group(*[f"user{i:03d}" for i in range(GROUP_MAX)])
    await typing.service.signal("user000", room)
    assert len(typing.typing_events()) == 1


async def test_a_removal_heard_on_the_bus_takes_effect_for_typing() -> None:
    typing = Typing()
    room = await typing.group("ann", "bob")
    await typing.service.signal("bob", room)
    await typing.conversations.remove_member(room, "bob")
    typing.rosters.hear(Event(EventType.MEMBER_LEFT, ("ann",), room, username="bob"))
    typing.clock.ms += 3_000
    with pytest.raises(NotFound):
        await typing.service.signal("bob", room)


def test_typing_is_never_kept_for_catching_up() -> None:
    assert EventType.TYPING in EPHEMERAL_EVENTS


async def test_a_sent_message_ends_the_senders_typing_a_system_event_does_not() -> None:
    typing = Typing()
    room = await typing.group("ann", "bob", "cat")
    await typing.service.signal("ann", room)
    await typing.service.signal("bob", room)
    writer, sent = typing.writer()
    members = ("ann", "bob", "cat")
    await writer.post(Target(room, ConversationType.GROUP, members), Draft("ann", "hello"))
    assert typing.typing_events()[-1] == (("bob", "cat"), ("bob",))
    joined = Draft("cat", None, kind=MessageKind.MEMBER_JOINED)
    await writer.post(Target(room, ConversationType.GROUP, members), joined)
    assert sent.stops == [(room, "ann", typing.clock.ms)]  # the system message ended nothing


async def test_a_message_in_a_large_group_asks_for_no_typing_stop() -> None:
    typing = Typing()
    names = tuple(f"user{i:03d}" for i in range(GROUP_MAX + 1))
    writer, sent = typing.writer()
    await writer.post(Target(uuid.uuid4(), ConversationType.GROUP, names), Draft("user000", "hi"))
    assert sent.stops == [] and typing.store.calls == 0
