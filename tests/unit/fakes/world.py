"""The conversation services wired on the fakes, as `app.py` wires them on the stores."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from chat_service.domain.ids import TimeUuidFactory
from chat_service.infra.caches import CacheRegistry
from chat_service.repos.cache.events import BusUp
from chat_service.services.access import ConversationAccess
from chat_service.services.change_stream import LoggedEvents
from chat_service.services.direct_messages import DirectMessageService
from chat_service.services.edit_history import EditHistoryService
from chat_service.services.history import HistoryService
from chat_service.services.inbox import InboxService
from chat_service.services.marks import MarkEraser
from chat_service.services.member_cache import MemberCache
from chat_service.services.members import MembershipService
from chat_service.services.mentions import MentionService
from chat_service.services.message_commands import MessageService
from chat_service.services.messaging import MessageWriter
from chat_service.services.pins import PinService
from chat_service.services.reactions import ReactionService
from chat_service.services.read_markers import ReadMarkerService
from chat_service.services.search import SearchIndexing, SearchService
from chat_service.services.sync import SyncService, SyncSettings
from tests.unit.fakes.bus import FakeEventBus, FakeLimits
from tests.unit.fakes.changes import FakeChangeLog
from tests.unit.fakes.marks import FakeMarkChanges, FakeMarks, FakePins, FakeReactions
from tests.unit.fakes.search import FakeTermIndex
from tests.unit.fakes.sends import FakeSentEffects
from tests.unit.fakes.stores import FakeConversations, FakeHistory, FakeMessages, FakeUsers
from tests.unit.fakes.timelines import FakeTimelineCache, FakeTimelines

START_NS = 1_800_000_000 * 10**9
SETTLE_NS = 5 * 10**9
RETENTION_NS = 7 * 86_400 * 10**9


@dataclass
class World:
    conversations: FakeConversations
    history: FakeHistory
    events: FakeEventBus
    limits: FakeLimits
    membership: MembershipService
    inbox: InboxService
    reading: HistoryService
    messages: MessageService
    read_markers: ReadMarkerService
    direct_messages: DirectMessageService
    reactions: ReactionService
    pins: PinService
    reaction_rows: FakeReactions
    pin_rows: FakePins
    mark_changes: FakeMarkChanges
    edit_history: EditHistoryService
    mentions: MentionService
    search_index: FakeTermIndex
    search: SearchService
    change_log: FakeChangeLog
    sync: SyncService
    clock: Clock


class _Ids:
    """Message ids made at the world's clock, so that ids and times agree."""

    def __init__(self, factory: TimeUuidFactory, clock_ns: Callable[[], int]) -> None:
        self._factory = factory
        self._clock_ns = clock_ns

    def new(self) -> uuid.UUID:
        return self._factory.new(self._clock_ns())


class Clock:
    """Ticks 1 ms a reading; `advance` jumps ahead."""

    def __init__(self) -> None:
        self._ticks = itertools.count()
        self.offset_ns = 0

    def __call__(self) -> int:
        return START_NS + self.offset_ns + next(self._ticks) * 1_000_000

    def advance(self, ns: int) -> None:
        self.offset_ns += ns


def world(*usernames: str) -> World:
    """Services on fresh fakes; `usernames` have accounts. The clock ticks 1 ms a reading."""
    clock_ns = Clock()

    users, conversations, history = FakeUsers(*usernames), FakeConversations(), FakeHistory()
    events, limits, timelines = FakeEventBus(), FakeLimits(), FakeTimelines(history)
    caches = CacheRegistry()
    members = MemberCache(caches.fifo("members", 100_000), ttl_s=10, clock=lambda: 0.0)
    members.hear(BusUp())
    ids = _Ids(TimeUuidFactory(), clock_ns)
    change_log = FakeChangeLog()
    logged = LoggedEvents(change_log, events, ids)  # type: ignore[arg-type]
    stored = FakeMessages(history, conversations, change_log)
    search_index = FakeTermIndex()
    cache = FakeTimelineCache()
    writer = MessageWriter(
        stored,
        conversations,
        cache,  # type: ignore[arg-type]
        logged,
        ids,  # type: ignore[arg-type]
        sent=FakeSentEffects(cache, logged),
        search=SearchIndexing(search_index, clock_ns),
    )
    access = ConversationAccess(conversations, timelines, members)
    reactions, pins, changes = FakeReactions(), FakePins(), FakeMarkChanges()
    marks = FakeMarks(reactions, pins)
    return World(
        conversations=conversations,
        history=history,
        events=events,
        limits=limits,
        membership=MembershipService(users, conversations, access, writer, logged, clock_ns),
        inbox=InboxService(conversations, timelines),
        reading=HistoryService(access, timelines, marks),
        messages=MessageService(
            conversations,
            access,
            writer,
            limits,
            clock_ns,
            timelines,
            marks=MarkEraser(reactions, pins, changes, logged),
        ),
        read_markers=ReadMarkerService(conversations, access, logged),
        direct_messages=DirectMessageService(
            users, timelines, writer, limits, caches.fifo("known_users", 1_000), marks
        ),
        reactions=ReactionService(access, reactions, changes, logged, clock_ns),
        pins=PinService(access, pins, marks, changes, logged, clock_ns),
        reaction_rows=reactions,
        pin_rows=pins,
        mark_changes=changes,
        edit_history=EditHistoryService(access, stored.versions),
        mentions=MentionService(stored.mentions, conversations, timelines, marks),
        search_index=search_index,
        search=SearchService(access, timelines, search_index, marks),
        change_log=change_log,
        sync=SyncService(
            conversations, change_log, SyncSettings(SETTLE_NS, RETENTION_NS), clock_ns
        ),
        clock=clock_ns,
    )
