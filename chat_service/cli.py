"""`chat-service serve` and `chat-service migrate`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from functools import partial

import uvloop
from aiohttp import web

from chat_service.domain.errors import StoreUnavailable
from chat_service.infra.allocator import limit_malloc_arenas
from chat_service.infra.cassandra import SchemaMissing
from chat_service.infra.errors_reporting import configure_error_reporting
from chat_service.infra.heap import freeze_startup_objects
from chat_service.infra.logging import configure_logging
from chat_service.infra.migrations import MigrationError, migrate
from chat_service.infra.settings import (
    CassandraSettings,
    Settings,
    SettingsError,
    load_cassandra_settings,
    load_settings,
)
from chat_service.workers import announce_ready, service_version, supervise

SETTINGS_HELP = """\
Settings come from the environment or a .env file in the working directory; .env.example
(in the repository) lists every one with its default and meaning. `migrate` reads only the
CASSANDRA_* settings, MIGRATIONS_DIR and LOG_*."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chat-service",
        description=__doc__,
        epilog=SETTINGS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {service_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the HTTP and WebSocket API")
    serve.add_argument("--host", help="bind address (default: HTTP_HOST)")
    serve.add_argument("--port", type=int, help="port (default: HTTP_PORT)")
    serve.add_argument(
        "--workers", type=int, help="server processes sharing the port (default: HTTP_WORKERS)"
    )
    serve.add_argument(
        "--reuse-port", action="store_true", help="bind with SO_REUSEPORT (as workers do)"
    )
    commands.add_parser("migrate", help="create the keyspace and apply pending migrations")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_cassandra_settings() if args.command == "migrate" else load_settings()
    except SettingsError as exc:
        print(f"chat-service: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_format)
    if not isinstance(settings, Settings):
        return _migrate(settings)
    configure_error_reporting(settings)
    host, port = args.host or settings.http_host, args.port or settings.http_port
    workers = settings.http_workers if args.workers is None else args.workers
    if workers < 1:
        print("chat-service serve: --workers must be at least 1", file=sys.stderr)
        return 2
    if workers > 1:
        return supervise(host, port, workers)
    return _serve(settings, host, port, reuse_port=args.reuse_port)


def _migrate(settings: CassandraSettings) -> int:
    try:
        applied = asyncio.run(migrate(settings))
    except MigrationError as exc:
        print(f"chat-service migrate: {exc}", file=sys.stderr)
        return 1
    print(f"migrations applied: {applied or 'none pending'}")
    return 0


def _serve(settings: Settings, host: str, port: int, *, reuse_port: bool) -> int:
    from chat_service.app import create_app

    limit_malloc_arenas(settings.malloc_arena_max)  # before the driver's threads start
    uvloop.install()
    app = create_app(settings)
    app.on_startup.append(_settle_heap)  # runs after the services have connected
    try:
        web.run_app(
            app,
            host=host,
            port=port,
            reuse_port=reuse_port or None,
            access_log=None,
            # aiohttp calls this once every socket listens: the moment to say so.
            print=partial(_ready, host, port),
        )
    except (SchemaMissing, StoreUnavailable) as exc:
        print(f"chat-service serve: {exc}", file=sys.stderr)
        return 1
    return 0


def _ready(host: str, port: int, _banner: str) -> None:
    announce_ready(host, port, workers=1)


async def _settle_heap(_: web.Application) -> None:
    freeze_startup_objects()
