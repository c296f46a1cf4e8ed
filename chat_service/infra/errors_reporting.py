"""Optional error reporting to Sentry (`SENTRY_DSN`), through its aiohttp integration."""

from __future__ import annotations

import sentry_sdk
from sentry_sdk.integrations.aiohttp import AioHttpIntegration

from chat_service.infra.settings import Settings


def configure_error_reporting(settings: Settings, **options: object) -> bool:
    """Report unhandled errors when a DSN is configured; True when reporting is on.

    Request bodies and cookies are never sent (`send_default_pii` off, bodies not
    attached), so no password, token or message text leaves the process this way either.
    """
    if settings.sentry_dsn is None:
        return False
    sentry_sdk.init(
        dsn=settings.sentry_dsn.get_secret_value(),
        environment=settings.app_env,
        integrations=[AioHttpIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        traces_sample_rate=0.0,
        **options,  # type: ignore[arg-type]
    )
    return True
