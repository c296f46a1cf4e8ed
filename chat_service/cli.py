"""`chat-service serve` and `chat-service migrate`."""

from __future__ import annotations

import argparse
import asyncio
import sys

import uvloop
from aiohttp import web

from chat_service.domain.errors import StoreUnavailable
from chat_service.infra.cassandra import SchemaMissing
from chat_service.infra.errors_reporting import configure_error_reporting
from chat_service.infra.logging import configure_logging
from chat_service.infra.migrations import MigrationError, migrate
from chat_service.infra.settings import Settings, SettingsError, load_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chat-service", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the HTTP and WebSocket API")
    serve.add_argument("--host", help="bind address (default: HTTP_HOST)")
    serve.add_argument("--port", type=int, help="port (default: HTTP_PORT)")
    commands.add_parser("migrate", help="create the keyspace and apply pending migrations")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"chat-service: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_format)
    configure_error_reporting(settings)
    if args.command == "migrate":
        return _migrate(settings)
    return _serve(settings, args.host or settings.http_host, args.port or settings.http_port)


def _migrate(settings: Settings) -> int:
    try:
        applied = asyncio.run(migrate(settings))
    except MigrationError as exc:
        print(f"chat-service migrate: {exc}", file=sys.stderr)
        return 1
    print(f"migrations applied: {applied or 'none pending'}")
    return 0


def _serve(settings: Settings, host: str, port: int) -> int:
    from chat_service.app import create_app

    uvloop.install()
    try:
        web.run_app(create_app(settings), host=host, port=port, access_log=None, print=None)
    except (SchemaMissing, StoreUnavailable) as exc:
        print(f"chat-service serve: {exc}", file=sys.stderr)
        return 1
    return 0
