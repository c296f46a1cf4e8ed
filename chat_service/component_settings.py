"""Each component's own settings, taken from the service's `Settings` (for `app.py`)."""

from __future__ import annotations

from chat_service.infra.caches import CacheRegistry
from chat_service.infra.settings import Settings
from chat_service.mail.smtp import SmtpSettings
from chat_service.repos.cache.timelines import TimelineMemos, remembered_page_bytes
from chat_service.services.limits import LimitSettings
from chat_service.services.sync import SyncSettings


def timeline_memos(caches: CacheRegistry, settings: Settings) -> TimelineMemos:
    return TimelineMemos(
        decoded=caches.fifo("decoded_messages", settings.local_cache_decoded_messages),
        floors=caches.fifo("timeline_floors", settings.local_cache_timeline_floors),
        pages=caches.lru(
            "timeline_pages", settings.local_cache_timeline_pages_bytes, remembered_page_bytes
        ),
        absent=caches.fifo("absent_timelines", settings.local_cache_absent_timelines),
    )


def sync_settings(settings: Settings) -> SyncSettings:
    return SyncSettings(
        settle_ns=int(settings.sync_settle_s * 1e9),
        retention_ns=settings.sync_retention_s * 1_000_000_000,
    )


def limit_settings(settings: Settings) -> LimitSettings:
    return LimitSettings(
        sends_per_minute=settings.send_limit_per_minute,
        sends_per_day=settings.send_limit_per_day,
        login_failures=settings.login_failure_limit,
        login_window_s=settings.login_failure_window_s,
        email_requests_per_account=settings.email_requests_per_account_per_hour,
        email_requests_per_address=settings.email_requests_per_address_per_hour,
    )


def smtp_settings(settings: Settings) -> SmtpSettings:
    return SmtpSettings(
        host=settings.smtp_host,
        port=settings.smtp_port,
        tls=settings.smtp_tls,
        username=settings.smtp_username,
        password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        sender=settings.mail_from,
        timeout_s=settings.smtp_timeout_s,
    )
