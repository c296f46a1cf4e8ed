"""Typed settings read from the environment and an optional `.env` file.

Every field here is listed with its default in `.env.example`; a test keeps the two in step.
`CassandraSettings` is what `chat-service migrate` needs (the Cassandra connection, the
keyspace's replication, logging); `Settings`, for `serve`, adds everything else.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal, TypeVar

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ConsistencyName = Literal[
    "ONE", "TWO", "THREE", "QUORUM", "ALL", "LOCAL_QUORUM", "EACH_QUORUM", "LOCAL_ONE"
]

# Secrets that ship in examples and docs; refusing them stops a copy-pasted config going live.
EXAMPLE_SECRETS = frozenset(
    {"", "change-me", "changeme", "secret", "change-me-to-a-long-random-secret"}
)
DEVELOPMENT_SECRET = "development-only-secret-" + "x" * 40  # long enough for HS512
MIN_SECRET_LENGTH = 32
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,47}$")


S = TypeVar("S", bound="CassandraSettings")


class SettingsError(Exception):
    """A missing or invalid setting; the message is one line naming it."""


class CassandraSettings(BaseSettings):
    """The Cassandra connection and keyspace: all that `chat-service migrate` reads."""

    model_config = SettingsConfigDict(
        env_file=".env", env_ignore_empty=True, extra="ignore", frozen=True
    )

    cassandra_contact_points: Annotated[tuple[str, ...], NoDecode] = ("127.0.0.1",)
    cassandra_port: int = Field(9042, ge=1, le=65535)
    cassandra_keyspace: str = "chat"
    cassandra_local_dc: str | None = None
    cassandra_replication_class: Literal["SimpleStrategy", "NetworkTopologyStrategy"] = (
        "SimpleStrategy"
    )
    cassandra_replication_factor: int = Field(1, ge=1, le=9)
    cassandra_replication_dcs: Annotated[dict[str, int], NoDecode] = Field(default_factory=dict)
    cassandra_consistency: ConsistencyName = "LOCAL_QUORUM"
    cassandra_request_timeout_s: float = Field(5.0, gt=0, le=120)
    cassandra_connect_timeout_s: float = Field(60.0, gt=0)
    # None (unset or empty): the migrations shipped in the package.
    migrations_dir: Path | None = None
    cassandra_username: str | None = None
    cassandra_password: SecretStr | None = None

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "console"] = "json"

    @field_validator("cassandra_contact_points", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            hosts = tuple(host.strip() for host in value.split(",") if host.strip())
            if not hosts:
                raise ValueError("needs at least one host")
            return hosts
        return value

    @field_validator("cassandra_replication_dcs", mode="before")
    @classmethod
    def _parse_dcs(cls, value: object) -> object:
        """`dc1:3,dc2:3` -> {"dc1": 3, "dc2": 3}."""
        if not isinstance(value, str):
            return value
        dcs: dict[str, int] = {}
        for item in filter(None, (part.strip() for part in value.split(","))):
            name, sep, factor = item.partition(":")
            if not sep or not name or not factor.isdigit() or int(factor) < 1:
                raise ValueError(f"expected dc:factor pairs like dc1:3, got {item!r}")
            dcs[name.strip()] = int(factor)
        return dcs

    @field_validator("cassandra_keyspace")
    @classmethod
    def _keyspace_identifier(cls, value: str) -> str:
        if not _IDENTIFIER.match(value):
            raise ValueError("must be a lowercase identifier (letters, digits, _)")
        return value

    @model_validator(mode="after")
    def _dcs_for_topology_strategy(self) -> CassandraSettings:
        if self.cassandra_replication_class == "NetworkTopologyStrategy" and not (
            self.cassandra_replication_dcs
        ):
            raise ValueError("CASSANDRA_REPLICATION_DCS is required with NetworkTopologyStrategy")
        return self

    @property
    def replication(self) -> dict[str, str | int]:
        """The keyspace replication map for CREATE KEYSPACE."""
        if self.cassandra_replication_class == "SimpleStrategy":
            return {
                "class": "SimpleStrategy",
                "replication_factor": self.cassandra_replication_factor,
            }
        return {"class": "NetworkTopologyStrategy", **self.cassandra_replication_dcs}


class Settings(CassandraSettings):
    """Everything `chat-service serve` reads."""

    app_env: Literal["production", "development", "test"] = "production"

    http_host: str = "0.0.0.0"
    http_port: int = Field(8000, ge=1, le=65535)
    http_workers: int = Field(1, ge=1, le=64)
    # Origins allowed to call the API from a browser (CORS): comma-separated, or *; empty: none.
    cors_origins: Annotated[tuple[str, ...], NoDecode] = ()
    # Admission control (api/admission.py): requests one process works on at once; beyond
    # it `503 overloaded` with Retry-After. About capacity x latency budget per process.
    max_in_flight_requests: int = Field(128, ge=1, le=100_000)
    overload_retry_after_s: int = Field(1, ge=1, le=3600)
    # The limit moves between these (api/admission_limit.py) to keep the p90 of admitted
    # requests near the target; a target of 0 keeps it at MAX_IN_FLIGHT_REQUESTS.
    admission_latency_target_ms: float = Field(0.0, ge=0, le=60_000)
    admission_min_in_flight: int = Field(4, ge=1, le=100_000)
    # glibc malloc arenas of a serve process (infra/allocator.py); 0: glibc's default.
    malloc_arena_max: int = Field(2, ge=0, le=1024)

    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_timeout_s: float = Field(1.0, gt=0, le=30)
    cache_history_size: int = Field(500, ge=10, le=10_000)

    # In-process caches (infra/caches.py): how much each may hold.
    local_cache_rendered_messages: int = Field(20_000, ge=1)
    local_cache_decoded_messages: int = Field(20_000, ge=1)
    local_cache_timeline_pages_bytes: int = Field(16 * 2**20, ge=1)
    local_cache_timeline_floors: int = Field(100_000, ge=1)
    local_cache_absent_timelines: int = Field(100_000, ge=1)
    local_cache_verified_tokens: int = Field(20_000, ge=1)
    local_cache_members: int = Field(100_000, ge=1)
    local_cache_members_ttl_s: float = Field(10.0, gt=0)
    local_cache_known_users: int = Field(1_000_000, ge=1)
    local_cache_known_direct_conversations: int = Field(200_000, ge=1)
    local_cache_known_bucket_rows: int = Field(100_000, ge=1)
    # Reactions and pins read per timeline (repos/marks_memory.py): how many timelines, and
    # the age that bounds a memory whose change event was lost.
    local_cache_marks: int = Field(50_000, ge=1)
    local_cache_marks_max_age_s: float = Field(30.0, gt=0)
    local_cache_known_search_windows: int = Field(100_000, ge=1)

    send_limit_per_minute: int = Field(60, ge=1)
    send_limit_per_day: int = Field(1000, ge=1)
    login_failure_limit: int = Field(5, ge=1)
    login_failure_window_s: int = Field(900, ge=1)

    ws_heartbeat_s: float = Field(30.0, gt=0)
    ws_idle_timeout_s: float = Field(3600.0, gt=0)
    ws_queue_size: int = Field(256, ge=1, le=100_000)
    # Catching up and routing (/sync, sharded pub/sub): see docs/data-model.md.
    sync_retention_s: int = Field(7 * 86_400, ge=7 * 86_400)
    sync_settle_s: float = Field(5.0, gt=0, le=60)
    event_shards: int = Field(1024, ge=1, le=65_536)

    # Presence (services/presence.py) and typing (services/typing.py).
    presence_ttl_s: float = Field(60.0, gt=0)
    presence_renew_s: float = Field(20.0, gt=0)
    presence_save_every_s: int = Field(900, ge=1)
    local_cache_rosters: int = Field(10_000, ge=1)

    jwt_secret: SecretStr = SecretStr("")
    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    jwt_access_ttl_s: int = Field(24 * 3600, ge=1)
    jwt_refresh_ttl_s: int = Field(30 * 24 * 3600, ge=60)
    bcrypt_cost: int = Field(12, ge=4, le=16)

    sentry_dsn: SecretStr | None = None

    # Accounts by email.
    require_email_verification: bool = False
    email_verification_ttl_s: int = Field(24 * 3600, ge=1)
    password_reset_ttl_s: int = Field(30 * 60, ge=1)
    public_base_url: str = "http://localhost:8000"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(1025, ge=1, le=65535)
    smtp_tls: Literal["none", "starttls", "tls"] = "none"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_s: float = Field(10.0, gt=0, le=300)
    mail_from: str = "chat-service <no-reply@localhost>"
    mail_queue: str = Field("default", min_length=1, max_length=64)
    mail_poll_interval_s: float = Field(1.0, gt=0)
    mail_retry_base_s: float = Field(2.0, gt=0)
    mail_retry_max_s: float = Field(300.0, gt=0)
    email_requests_per_account_per_hour: int = Field(5, ge=1)
    email_requests_per_address_per_hour: int = Field(30, ge=1)
    client_address_header: str = ""
    local_cache_session_generations: int = Field(100_000, ge=1)
    local_cache_session_generations_ttl_s: float = Field(5.0, gt=0)
    # The feed of ended sessions (services/sessions.py): read every SESSION_ENDS_POLL_S;
    # while it is read within the TTL above, a generation is kept up to KEEP_S unread.
    session_ends_poll_s: float = Field(1.0, gt=0, le=60)
    local_cache_session_generations_keep_s: float = Field(600.0, gt=0)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(
                origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()
            )
        return value

    @field_validator("public_base_url")
    @classmethod
    def _http_base(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str) -> str:
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @model_validator(mode="after")
    def _feed_read_within_trust(self) -> Settings:
        # Read less often than a generation is trusted, the feed could never vouch for one.
        if self.session_ends_poll_s >= self.local_cache_session_generations_ttl_s:
            raise ValueError(
                "SESSION_ENDS_POLL_S must be below LOCAL_CACHE_SESSION_GENERATIONS_TTL_S"
            )
        return self

    @field_validator("jwt_secret")
    @classmethod
    def _real_secret(cls, value: SecretStr, info: ValidationInfo) -> SecretStr:
        secret = value.get_secret_value()
        production = info.data.get("app_env", "production") == "production"
        if secret in EXAMPLE_SECRETS or secret == DEVELOPMENT_SECRET:
            if production:
                raise ValueError("must be set to a real secret (APP_ENV=development allows none)")
            return SecretStr(DEVELOPMENT_SECRET)
        if len(secret) < MIN_SECRET_LENGTH:
            raise ValueError(f"must be at least {MIN_SECRET_LENGTH} characters")
        return value


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning pydantic's report into one line that names the setting."""
    return _load(Settings, overrides)


def load_cassandra_settings(**overrides: object) -> CassandraSettings:
    """The settings `migrate` needs; nothing else is read, so nothing else can be missing."""
    return _load(CassandraSettings, overrides)


def _load(model: type[S], overrides: dict[str, object]) -> S:
    try:
        return model(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        message = error["msg"].removeprefix("Value error, ")
        if not error["loc"]:
            raise SettingsError(f"invalid settings: {message}") from None
        name = str(error["loc"][0]).upper()
        raise SettingsError(f"invalid setting {name}: {message}") from None
