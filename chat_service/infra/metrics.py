"""Every Prometheus metric the service exports, in one place.

Labels stay low-cardinality: route templates, statement names (verb and table), kinds,
never raw paths, user ids or message ids. Several processes: each `chat-service serve`
is its own scrape target (Prometheus sums across targets), except the workers of one
`serve --workers N`, which share a port and so one target: they write their values to
files in `PROMETHEUS_MULTIPROC_DIR` (prometheus_client's multiprocess mode) and `/metrics`
sums the files. Each gauge says how its workers' values combine.
"""

from __future__ import annotations

import os

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, multiprocess

# Set (by `serve --workers`) to the directory the workers' values are written to.
MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

HTTP_REQUESTS = Counter(
    "http_requests_total", "HTTP requests answered", ["route", "method", "status"]
)
HTTP_LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["route", "method"],
    buckets=LATENCY_BUCKETS,
)
HTTP_IN_FLIGHT = Gauge(
    "http_requests_in_flight", "HTTP requests being answered", multiprocess_mode="livesum"
)

CASSANDRA_LATENCY = Histogram(
    "cassandra_statement_duration_seconds",
    "Time for Cassandra to answer a statement",
    ["statement"],
    buckets=LATENCY_BUCKETS,
)
CASSANDRA_ERRORS = Counter(
    "cassandra_statement_errors_total", "Statements that failed", ["statement", "error"]
)
STORE_UP = Gauge(
    "store_up",
    "1 when the store answered the last probe",
    ["store"],
    multiprocess_mode="livemostrecent",
)

CACHE_REQUESTS = Counter("cache_requests_total", "Cache reads", ["kind", "result"])
MESSAGES_STORED = Counter("messages_stored_total", "Messages stored", ["kind"])

# The named in-process caches (infra/caches.py), published once a second by each process.
LOCAL_CACHE_SIZE = Gauge(
    "local_cache_size",
    "Entries an in-process cache holds (bytes, for one sized by bytes)",
    ["cache"],
    multiprocess_mode="livesum",
)
LOCAL_CACHE_MAX_SIZE = Gauge(
    "local_cache_max_size",
    "What an in-process cache may hold, in its size's unit",
    ["cache"],
    multiprocess_mode="livesum",
)
LOCAL_CACHE_HITS = Counter("local_cache_hits_total", "In-process cache lookups answered", ["cache"])
LOCAL_CACHE_MISSES = Counter(
    "local_cache_misses_total", "In-process cache lookups not answered", ["cache"]
)
LOCAL_CACHE_EVICTIONS = Counter(
    "local_cache_evictions_total", "Entries dropped to make room in an in-process cache", ["cache"]
)
LOCAL_CACHE_RENEWALS = Counter(
    "local_cache_renewals_total",
    "Background reads renewing an in-process cache's entry before it expires",
    ["cache"],
)

WS_CONNECTIONS = Gauge(
    "websocket_connections", "Open WebSocket connections", multiprocess_mode="livesum"
)
WS_DELIVERED = Counter("websocket_events_delivered_total", "Events queued to a connection")
WS_DROPPED = Counter(
    "websocket_events_dropped_total", "Events dropped because a client was too slow"
)

ADMISSION_REJECTIONS = Counter(
    "admission_rejections_total",
    "Requests refused with 503 overloaded: the process had its in-flight limit in flight",
)
ADMISSION_LIMIT = Gauge(
    "admission_in_flight_limit",
    "Requests admission control admits at once now (api/admission_limit.py moves it)",
    multiprocess_mode="livesum",
)
EVENT_LOOP_LAG = Gauge(
    "event_loop_lag_seconds",
    "How late the event loop ran a timer, at the last check (infra/loop_lag.py)",
    multiprocess_mode="livemax",
)

RATE_LIMITED = Counter("rate_limit_rejections_total", "Requests refused with 429", ["scope"])
LOGIN_FAILURES = Counter("login_failures_total", "Failed logins")
MAIL_SENT = Counter("mail_sent_total", "Messages the mail server accepted")
MAIL_SEND_FAILURES = Counter(
    "mail_send_failures_total", "Attempts to send a message that failed (each is retried)"
)

# Catching up and routing (issue #19).
BUS_EVENTS_DECODED = Counter(
    "bus_events_decoded_total",
    "Events this process decoded from the bus (its own users' shards and membership changes)",
)
SYNC_EVENTS = Counter("sync_events_returned_total", "Events returned by GET /sync")
CHANGES_NOT_LOGGED = Counter(
    "changes_not_logged_total", "Events sent live but not logged for /sync (Cassandra failed)"
)


def statement_name(cql: str) -> str:
    """`SELECT messages_by_user` for a query on that table: verb and table only."""
    words = cql.replace("(", " ").split()
    verb = words[0].upper() if words else "?"
    marker = {"SELECT": "FROM", "DELETE": "FROM", "INSERT": "INTO", "UPDATE": "UPDATE"}.get(verb)
    if marker and marker in (w.upper() for w in words):
        index = [w.upper() for w in words].index(marker)
        if index + 1 < len(words):
            return f"{verb} {words[index + 1].split('.')[-1]}"
    return verb


def registry() -> CollectorRegistry:
    """What `/metrics` reports: this process's metrics, or every worker's summed."""
    if not os.environ.get(MULTIPROCESS_DIR_VARIABLE):
        return REGISTRY
    workers = CollectorRegistry()
    multiprocess.MultiProcessCollector(workers)
    return workers


# Typing (services/typing.py): signals received, and the events they caused.
TYPING_SIGNALS = Counter("typing_signals_total", "Typing signals received")
TYPING_FANOUTS = Counter("typing_fanouts_total", "Typing events published to a conversation")
