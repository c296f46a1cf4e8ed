"""Where the test suite's Cassandra and Redis come from.

By default: the local runtime `make test` starts (tools/), found through the usual settings
(`CASSANDRA_CONTACT_POINTS`, `REDIS_URL`, ...). With `CHAT_TEST_STORES=testcontainers`, on a
machine with a Docker engine: throwaway containers. A store that cannot be reached fails the
run; nothing is skipped.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

CASSANDRA_IMAGE = "cassandra:5.0"
REDIS_IMAGE = "redis:7.4"


@contextmanager
def store_environment() -> Iterator[dict[str, str]]:
    """Environment overrides that point the settings at the stores under test."""
    if os.environ.get("CHAT_TEST_STORES", "local") != "testcontainers":
        yield {}
        return
    from testcontainers.cassandra import CassandraContainer
    from testcontainers.redis import RedisContainer

    with CassandraContainer(CASSANDRA_IMAGE) as cassandra, RedisContainer(REDIS_IMAGE) as redis:
        yield {
            "CASSANDRA_CONTACT_POINTS": cassandra.get_container_host_ip(),
            "CASSANDRA_PORT": str(cassandra.get_exposed_port(9042)),
            "CASSANDRA_LOCAL_DC": "datacenter1",
            "REDIS_URL": f"redis://{redis.get_container_host_ip()}:"
            f"{redis.get_exposed_port(6379)}/1",
        }
