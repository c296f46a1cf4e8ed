"""The composition root: settings in, a ready aiohttp application out.

Nothing else constructs connections; tests build the app here with their own settings.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

from aiohttp import WSCloseCode, web

from chat_service.api.admission import AdmissionControl
from chat_service.api.auth import auth_middleware
from chat_service.api.context import HUB, LIVE, RENDERER, SERVICES
from chat_service.api.cors import cors_middlewares
from chat_service.api.errors import error_middleware
from chat_service.api.hub import Hub, LiveSettings
from chat_service.api.logging import access_log_middleware
from chat_service.api.metrics import metrics_middleware
from chat_service.api.render import MessageRenderer
from chat_service.api.routes import setup_routes
from chat_service.domain.clock import now_ns
from chat_service.domain.ids import TimeUuidFactory
from chat_service.infra.caches import CacheRegistry
from chat_service.infra.cassandra import CassandraSession
from chat_service.infra.loop_lag import measure_loop_lag
from chat_service.infra.redis import connect_redis, connect_subscriber
from chat_service.infra.settings import Settings
from chat_service.repos.cache.events import EventBus
from chat_service.repos.cache.rate_limits import RateLimiter
from chat_service.repos.cache.timelines import (
    TimelineCache,
    TimelineMemos,
    remembered_page_bytes,
)
from chat_service.repos.conversations import ConversationRepository
from chat_service.repos.health import StoreProbes
from chat_service.repos.messages import MessageRepository
from chat_service.repos.refresh_tokens import RefreshTokenRepository
from chat_service.repos.timeline_pages import TimelinePages
from chat_service.repos.users import UserRepository
from chat_service.services.access import ConversationAccess
from chat_service.services.accounts import AccountService
from chat_service.services.container import Services
from chat_service.services.direct_messages import DirectMessageService
from chat_service.services.health import HealthService
from chat_service.services.history import HistoryService
from chat_service.services.inbox import InboxService
from chat_service.services.limits import Limits, LimitSettings
from chat_service.services.member_cache import MemberCache
from chat_service.services.members import MembershipService
from chat_service.services.message_commands import MessageService
from chat_service.services.messaging import MessageWriter
from chat_service.services.passwords import PasswordHasher
from chat_service.services.read_markers import ReadMarkerService
from chat_service.services.tokens import TokenIssuer

MAX_BODY_BYTES = 64 * 1024


def create_app(settings: Settings) -> web.Application:
    app = web.Application(
        middlewares=[
            *cors_middlewares(settings.cors_origins),
            # Before everything that costs: a refused request is not logged or timed.
            AdmissionControl(
                settings.max_in_flight_requests, settings.overload_retry_after_s
            ).middleware,
            access_log_middleware,
            metrics_middleware,
            error_middleware,
            auth_middleware,
        ],
        client_max_size=MAX_BODY_BYTES,
    )
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
        bus = EventBus(redis, subscriber)
        hub = Hub(settings.ws_queue_size)
        app[HUB] = hub
        app[LIVE] = LiveSettings(
            settings.ws_heartbeat_s, settings.ws_idle_timeout_s, settings.ws_queue_size
        )
        caches = CacheRegistry()
        app[RENDERER] = MessageRenderer(
            caches.fifo("rendered_messages", settings.local_cache_rendered_messages)
        )
        members = MemberCache(
            caches.fifo("members", settings.local_cache_members),
            ttl_s=settings.local_cache_members_ttl_s,
        )
        delivery = asyncio.create_task(_hear_events(bus, hub, members))
        publishing = asyncio.create_task(caches.publish_every())
        lag = asyncio.create_task(measure_loop_lag())
        try:
            users = await UserRepository.create(db)
            conversations = await ConversationRepository.create(db)
            messages = await MessageRepository.create(
                db,
                conversations,
                known_buckets=caches.fifo(
                    "known_bucket_rows", settings.local_cache_known_bucket_rows
                ),
                known_direct=caches.fifo(
                    "known_direct_conversations", settings.local_cache_known_direct_conversations
                ),
            )
            cache = TimelineCache(
                redis, _timeline_memos(caches, settings), max_len=settings.cache_history_size
            )
            writer = MessageWriter(messages, conversations, cache, bus, TimeUuidFactory())
            limits = Limits(RateLimiter(redis), _limit_settings(settings), now_ns)
            timelines = TimelinePages(cache, messages.conversations, messages.users)
            access = ConversationAccess(conversations, timelines, members)
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
                ),
                direct_messages=DirectMessageService(
                    users,
                    timelines,
                    writer,
                    limits,
                    caches.fifo("known_users", settings.local_cache_known_users),
                ),
                membership=MembershipService(
                    users, conversations, access, writer, bus, clock_ns=now_ns
                ),
                inbox=InboxService(conversations, timelines),
                history=HistoryService(access, timelines),
                messages=MessageService(conversations, access, writer, limits, clock_ns=now_ns),
                read_markers=ReadMarkerService(conversations, access, bus),
            )
            yield
        finally:
            delivery.cancel()
            publishing.cancel()
            lag.cancel()
            caches.close()
            hasher.close()
            await subscriber.aclose()
            await redis.aclose()
            await db.close()

    return context


async def _hear_events(bus: EventBus, hub: Hub, members: MemberCache) -> None:
    """Everything this process hears on the bus: the member cache first (a removal is
    forgotten before anything else happens here), then live delivery."""
    async for item in bus.listen():
        members.hear(item)
        hub.hear(item)


def _timeline_memos(caches: CacheRegistry, settings: Settings) -> TimelineMemos:
    return TimelineMemos(
        decoded=caches.fifo("decoded_messages", settings.local_cache_decoded_messages),
        floors=caches.fifo("timeline_floors", settings.local_cache_timeline_floors),
        pages=caches.lru(
            "timeline_pages", settings.local_cache_timeline_pages_bytes, remembered_page_bytes
        ),
    )


def _limit_settings(settings: Settings) -> LimitSettings:
    return LimitSettings(
        sends_per_minute=settings.send_limit_per_minute,
        sends_per_day=settings.send_limit_per_day,
        login_failures=settings.login_failure_limit,
        login_window_s=settings.login_failure_window_s,
    )
