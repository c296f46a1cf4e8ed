"""The composition root: settings in, a ready aiohttp application out.

Nothing else constructs connections; tests build the app here with their own settings.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

from aiohttp import WSCloseCode, web

from chat_service.api.admission import AdmissionControl, admission_limits
from chat_service.api.auth import auth_middleware
from chat_service.api.context import CLIENT_ADDRESS_HEADER, HUB, LIVE, RENDERER, SERVICES
from chat_service.api.cors import cors_middlewares
from chat_service.api.errors import error_middleware
from chat_service.api.hub import Hub, LiveSettings
from chat_service.api.logging import access_log_middleware
from chat_service.api.metrics import metrics_middleware
from chat_service.api.render import MessageRenderer
from chat_service.api.routes import setup_routes
from chat_service.component_settings import (
    limit_settings,
    smtp_settings,
    sync_settings,
    timeline_memos,
)
from chat_service.domain.clock import now_ns
from chat_service.domain.ids import TimeUuidFactory
from chat_service.infra.caches import CacheRegistry
from chat_service.infra.cassandra import CassandraSession
from chat_service.infra.loop_lag import measure_loop_lag
from chat_service.infra.redis import connect_redis, connect_subscriber
from chat_service.infra.refresh_ahead import RefreshAhead
from chat_service.infra.settings import Settings
from chat_service.listening import Listener, hear_events, socket_closer
from chat_service.mail.smtp import SmtpSender
from chat_service.mail.templates import MailTemplates
from chat_service.repos.cache.events import EventBus
from chat_service.repos.cache.presence import OnlineUsers
from chat_service.repos.cache.rate_limits import RateLimiter
from chat_service.repos.cache.sends import SendFollowUp
from chat_service.repos.cache.timelines import (
    TimelineCache,
)
from chat_service.repos.cache.typing import TypingRegistry
from chat_service.repos.changes import ChangeLogRepository
from chat_service.repos.conversations import ConversationRepository
from chat_service.repos.email_tokens import EmailTokenRepository
from chat_service.repos.health import StoreProbes
from chat_service.repos.mail_outbox import MailOutboxRepository
from chat_service.repos.marks import MarksReader
from chat_service.repos.marks_memory import MarksMemory
from chat_service.repos.messages import MessageRepository
from chat_service.repos.pins import PinRepository
from chat_service.repos.presence import PresenceRepository
from chat_service.repos.reactions import ReactionRepository
from chat_service.repos.refresh_tokens import RefreshTokenRepository
from chat_service.repos.search_index import SearchIndex
from chat_service.repos.timeline_pages import TimelinePages
from chat_service.repos.users import UserRepository
from chat_service.services.access import ConversationAccess
from chat_service.services.account_email import AccountEmailService, EmailTokenTtls
from chat_service.services.accounts import AccountService
from chat_service.services.change_stream import LoggedEvents
from chat_service.services.container import Services
from chat_service.services.direct_messages import DirectMessageService
from chat_service.services.edit_history import EditHistoryService
from chat_service.services.health import HealthService
from chat_service.services.history import HistoryService
from chat_service.services.inbox import InboxService
from chat_service.services.limits import Limits
from chat_service.services.mail_delivery import DeliverySettings, MailDelivery
from chat_service.services.marks import MarkedEvents, MarkEraser
from chat_service.services.member_cache import MemberCache
from chat_service.services.members import MembershipService
from chat_service.services.mentions import MentionService
from chat_service.services.message_commands import MessageService
from chat_service.services.messaging import MessageWriter
from chat_service.services.passwords import PasswordHasher
from chat_service.services.pins import PinService
from chat_service.services.presence import PresenceService
from chat_service.services.reactions import ReactionService
from chat_service.services.read_markers import ReadMarkerService
from chat_service.services.roster_cache import RosterCache
from chat_service.services.search import SearchIndexing, SearchService
from chat_service.services.sessions import Sessions
from chat_service.services.sync import SyncService
from chat_service.services.tokens import TokenIssuer
from chat_service.services.typing import GROUP_MAX, TypingService

MAX_BODY_BYTES = 64 * 1024


def create_app(settings: Settings) -> web.Application:
    app = web.Application(
        middlewares=[
            *cors_middlewares(settings.cors_origins),
            # Before everything that costs: a refused request is not logged or timed.
            AdmissionControl(
                admission_limits(settings), settings.overload_retry_after_s
            ).middleware,
            access_log_middleware,
            metrics_middleware,
            error_middleware,
            auth_middleware,
        ],
        client_max_size=MAX_BODY_BYTES,
    )
    app[CLIENT_ADDRESS_HEADER] = settings.client_address_header
    app.cleanup_ctx.append(_services(settings))
    app.on_shutdown.append(_close_websockets)
    setup_routes(app)
    return app


async def _close_websockets(app: web.Application) -> None:
    """Graceful shutdown: clients are told the server is going away (1001) and reconnect."""
    await app[HUB].close_all(WSCloseCode.GOING_AWAY, "server shutting down")


def _services(settings: Settings) -> Callable[[web.Application], AsyncIterator[None]]:
    async def context(app: web.Application) -> AsyncIterator[None]:
        db = await CassandraSession.connect(settings, keyspace=settings.cassandra_keyspace)
        redis = connect_redis(settings)
        subscriber = connect_subscriber(settings)
        hasher = PasswordHasher(settings.bcrypt_cost)
        bus = EventBus(redis, subscriber, shards=settings.event_shards)
        hub = Hub(settings.ws_queue_size, bus, settle_ns=int(settings.sync_settle_s * 1e9))
        app[HUB] = hub
        app[LIVE] = LiveSettings(
            settings.ws_heartbeat_s, settings.ws_idle_timeout_s, settings.ws_queue_size
        )
        caches = CacheRegistry()
        app[RENDERER] = MessageRenderer(
            caches.fifo("rendered_messages", settings.local_cache_rendered_messages)
        )
        renewals = RefreshAhead()
        members = MemberCache(
            caches.fifo("members", settings.local_cache_members),
            ttl_s=settings.local_cache_members_ttl_s,
            renewals=renewals,
        )
        marks_memory = MarksMemory(
            caches.fifo("marks", settings.local_cache_marks),
            max_age_s=settings.local_cache_marks_max_age_s,
        )
        publishing = asyncio.create_task(caches.publish_every())
        background: list[asyncio.Task[None]] = [publishing]
        rosters = RosterCache(
            caches.fifo("rosters", settings.local_cache_rosters),
            ttl_s=settings.local_cache_members_ttl_s,
            keep_max=GROUP_MAX,
        )
        background.append(asyncio.create_task(measure_loop_lag()))
        try:
            users = await UserRepository.create(db)
            sessions = Sessions(
                users,
                caches.fifo("session_generations", settings.local_cache_session_generations),
                bus,
                ttl_s=settings.local_cache_session_generations_ttl_s,
                clock_ns=now_ns,
                on_ended=socket_closer(hub),
                keep_s=settings.local_cache_session_generations_keep_s,
            )
            background.append(
                asyncio.create_task(sessions.follow_ends(settings.session_ends_poll_s))
            )
            listeners: list[Listener] = [members, rosters, sessions, marks_memory]
            background.append(asyncio.create_task(hear_events(bus, hub, listeners)))
            conversations = await ConversationRepository.create(db)
            changes = await ChangeLogRepository.create(db)
            changes.ttl_s = settings.sync_retention_s + 86_400
            ids = TimeUuidFactory()
            logged = LoggedEvents(changes, bus, ids)
            messages = await MessageRepository.create(
                db,
                conversations,
                known_buckets=caches.fifo(
                    "known_bucket_rows", settings.local_cache_known_bucket_rows
                ),
                known_direct=caches.fifo(
                    "known_direct_conversations", settings.local_cache_known_direct_conversations
                ),
                changes=changes,
            )
            cache = TimelineCache(
                redis, timeline_memos(caches, settings), max_len=settings.cache_history_size
            )
            reactions = await ReactionRepository.create(db)
            pins = await PinRepository.create(db)
            marks = MarksReader(reactions, pins, marks_memory)
            events = MarkedEvents(logged, marks, marks_memory)  # edits: their marks; quotes
            search_index = await SearchIndex.create(
                db,
                caches.fifo("known_search_windows", settings.local_cache_known_search_windows),
            )
            timelines = TimelinePages(
                cache, messages.conversations, messages.users, quotes=marks_memory
            )
            access = ConversationAccess(conversations, timelines, members)
            typists = TypingRegistry(redis)
            typing = TypingService(typists, rosters, conversations, access, bus)
            writer = MessageWriter(
                messages,
                conversations,
                cache,
                events,
                ids,
                sent=SendFollowUp(redis, cache, bus, typists),
                search=SearchIndexing(search_index, now_ns),
                typing=typing,
            )
            limits = Limits(RateLimiter(redis), limit_settings(settings), now_ns)
            presence = PresenceService(
                OnlineUsers(redis),
                await PresenceRepository.create(db),
                ttl_s=settings.presence_ttl_s,
                save_every_s=settings.presence_save_every_s,
            )
            background.append(asyncio.create_task(presence.renew_every(settings.presence_renew_s)))
            mail = MailDelivery(
                (await MailOutboxRepository.create(db)).on_queue(settings.mail_queue),
                SmtpSender(smtp_settings(settings)),
                DeliverySettings(
                    poll_s=settings.mail_poll_interval_s,
                    retry_base_s=settings.mail_retry_base_s,
                    retry_max_s=settings.mail_retry_max_s,
                ),
                TimeUuidFactory().new,
                now_ns,
            )
            background.append(asyncio.create_task(mail.run()))
            account_email = AccountEmailService(
                users,
                await EmailTokenRepository.create(db),
                hasher,
                sessions,
                mail,
                MailTemplates(
                    settings.public_base_url,
                    settings.email_verification_ttl_s,
                    settings.password_reset_ttl_s,
                ),
                limits,
                EmailTokenTtls(settings.email_verification_ttl_s, settings.password_reset_ttl_s),
                clock_ns=now_ns,
            )
            app[SERVICES] = Services(
                health=HealthService(StoreProbes(db, redis)),
                accounts=AccountService(
                    users,
                    await RefreshTokenRepository.create(db),
                    hasher,
                    TokenIssuer(
                        settings.jwt_secret.get_secret_value(),
                        settings.jwt_algorithm,
                        settings.jwt_access_ttl_s,
                        caches.fifo("verified_tokens", settings.local_cache_verified_tokens),
                    ),
                    limits,
                    refresh_ttl_s=settings.jwt_refresh_ttl_s,
                    clock_ns=now_ns,
                    sessions=sessions,
                    verification=account_email,
                    require_verification=settings.require_email_verification,
                ),
                direct_messages=DirectMessageService(
                    users,
                    timelines,
                    writer,
                    limits,
                    caches.fifo("known_users", settings.local_cache_known_users),
                    marks,
                ),
                membership=MembershipService(
                    users, conversations, access, writer, events, clock_ns=now_ns
                ),
                inbox=InboxService(conversations, timelines),
                history=HistoryService(access, timelines, marks),
                messages=MessageService(
                    conversations,
                    access,
                    writer,
                    limits,
                    clock_ns=now_ns,
                    timelines=timelines,
                    marks=MarkEraser(reactions, pins, marks_memory, events),
                ),
                read_markers=ReadMarkerService(conversations, access, events),
                account_email=account_email,
                reactions=ReactionService(access, reactions, marks_memory, events, clock_ns=now_ns),
                pins=PinService(access, pins, marks, marks_memory, events, clock_ns=now_ns),
                edit_history=EditHistoryService(access, messages.versions),
                mentions=MentionService(messages.mentions, conversations, timelines, marks),
                search=SearchService(access, timelines, search_index, marks),
                typing=typing,
                presence=presence,
                sync=SyncService(conversations, changes, sync_settings(settings), now_ns),
            )
            yield
        finally:
            for task in background:
                task.cancel()
            await renewals.close()
            caches.close()
            hasher.close()
            await subscriber.aclose()
            await redis.aclose()
            await db.close()

    return context
