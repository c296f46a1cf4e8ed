"""A real Apache Cassandra without Docker: jars from Maven Central, one JVM per node.

    python -m tools.local_cassandra.localcassandra fetch
    python -m tools.local_cassandra.localcassandra start [--nodes 1..3] [--base-dir DIR] [--fast]
    python -m tools.local_cassandra.localcassandra start --nodes 4 --dcs 2 --first-ip 31
    python -m tools.local_cassandra.localcassandra stop|status [--base-dir DIR] [--node I]
    python -m tools.local_cassandra.localcassandra kill|restart --node I [--base-dir DIR]

Node i listens on 127.0.0.i (or 127.0.0.<first-ip + i - 1>, `--first-ip`, so a cluster can
run beside another node) with the standard ports (storage 7000, CQL 9042), so up to three
nodes form one cluster on one machine. `--dcs 2` splits the nodes into two data centres,
dc1 and dc2 (the first half and the second), with GossipingPropertyFileSnitch and a
cassandra-rackdc.properties per node: 2+2 nodes show NetworkTopologyStrategy on one
machine. Each node keeps its configuration, data, logs and pid under DIR/node<i>/.
`--fast` trades durability for start-up time: tests only.
Standard library only, except the readiness query, which uses cassandra-driver when present.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tools.waiting import NotReady, wait_until

ROOT = Path(__file__).resolve().parents[2]
POM = Path(__file__).with_name("pom.xml")
CACHE = ROOT / ".cache"
LIB = CACHE / "cassandra" / "lib"
DEFAULT_BASE = ROOT / ".data" / "dev" / "cassandra"
CQL_PORT = 9042
STORAGE_PORT = 7000
# Evenly spaced Murmur3 tokens, one per node, so nodes can start together without bootstrap.
TOKENS = {
    1: ["0"],
    2: ["-9223372036854775808", "0"],
    3: ["-9223372036854775808", "-3074457345618258603", "3074457345618258602"],
}

# From Cassandra 5.0's conf/jvm17-server.options and conf/jvm-server.options: the JDK 17
# module openings Cassandra needs, and the properties its start script always sets.
JVM_FLAGS = [
    "-Xss256k",
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=300",
    "-XX:+UseStringDeduplication",
    "-Djdk.attach.allowAttachSelf=true",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Djava.net.preferIPv4Stack=true",
    "-Dcassandra-foreground=yes",
    *[
        f"--add-exports={module}=ALL-UNNAMED"
        for module in (
            "java.base/jdk.internal.misc",
            "java.base/jdk.internal.ref",
            "java.base/sun.nio.ch",
            "java.management.rmi/com.sun.jmx.remote.internal.rmi",
            "java.rmi/sun.rmi.registry",
            "java.rmi/sun.rmi.server",
            "java.sql/java.sql",
        )
    ],
    *[
        f"--add-opens={module}=ALL-UNNAMED"
        for module in (
            "java.base/java.lang.module",
            "java.base/jdk.internal.loader",
            "java.base/jdk.internal.ref",
            "java.base/jdk.internal.reflect",
            "java.base/jdk.internal.math",
            "java.base/jdk.internal.module",
            "java.base/jdk.internal.util.jar",
            "jdk.management/com.sun.management.internal",
            "java.base/sun.nio.ch",
            "java.base/java.io",
            "java.base/java.nio",
            "java.base/java.util.concurrent",
            "java.base/java.util",
            "java.base/java.util.concurrent.atomic",
            "java.base/java.lang",
            "java.base/java.math",
            "java.base/java.lang.reflect",
            "java.base/java.net",
        )
    ],
]
# Start-up shortcuts for throwaway test nodes: no fsync of system tables, no ring settling.
FAST_FLAGS = [
    "-Dcassandra.unsafesystem=true",
    "-Dcassandra.skip_wait_for_gossip_to_settle=0",
    "-Dcassandra.ring_delay_ms=1000",
    "-Dcassandra.load_ring_state=false",
]


class StartError(RuntimeError):
    pass


def cassandra_version() -> str:
    match = re.search(r"<cassandra.version>([^<]+)</cassandra.version>", POM.read_text())
    assert match, "pom.xml names no cassandra.version"
    return match.group(1)


def fetch() -> Path:
    """Resolve the jars into .cache/cassandra/lib once; later calls return at once."""
    marker = LIB / f".complete-{cassandra_version()}"
    if marker.exists():
        return LIB
    LIB.mkdir(parents=True, exist_ok=True)
    for stale in LIB.glob("*.jar"):
        stale.unlink()
    started = time.monotonic()
    subprocess.run(
        [
            "mvn", "--batch-mode", "--quiet", "-f", str(POM),
            f"-Dmaven.repo.local={CACHE / 'm2'}",
            "dependency:copy-dependencies",
            f"-DoutputDirectory={LIB}",
            "-DincludeScope=runtime",
        ],
        check=True,
    )  # fmt: skip
    marker.touch()
    print(f"cassandra: fetched {cassandra_version()} in {time.monotonic() - started:.0f} s")
    return LIB


@dataclass(frozen=True)
class Node:
    index: int
    base: Path

    @property
    def address(self) -> str:
        return f"127.0.0.{first_ip(self.base) + self.index - 1}"

    @property
    def home(self) -> Path:
        return self.base / f"node{self.index}"

    @property
    def pid_file(self) -> Path:
        return self.home / "cassandra.pid"

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text())
            os.kill(pid, 0)
        except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
            return None
        return pid


def first_ip(base: Path) -> int:
    """The last byte of node 1's loopback address for the cluster under `base`."""
    path = base / "first-ip"
    return int(path.read_text()) if path.exists() else 1


def data_centres(base: Path) -> int:
    """How many data centres the cluster under `base` is split into (1: SimpleSnitch)."""
    path = base / "dcs"
    return int(path.read_text()) if path.exists() else 1


@dataclass(frozen=True)
class Placement:
    """Where a node sits: its data centre, its token, and the cluster's seeds."""

    dc: str
    token: str
    seeds: str


def placement(node: Node, cluster_size: int) -> Placement:
    """One data centre: evenly spaced tokens. Several: each data centre its own evenly
    spaced ring (NetworkTopologyStrategy walks each apart), offset by the data centre's
    number so that no two nodes share a token; one seed per data centre."""
    dcs = data_centres(node.base)
    per_dc = cluster_size // dcs
    dc_index, position = divmod(node.index - 1, per_dc)
    token = str(int(TOKENS[per_dc][position]) + dc_index)
    seeds = ",".join(
        f"127.0.0.{first_ip(node.base) + dc * per_dc}:{STORAGE_PORT}" for dc in range(dcs)
    )
    return Placement(f"dc{dc_index + 1}", token, seeds)


def write_config(node: Node, cluster_size: int) -> Path:
    """cassandra.yaml (5.0 keys only: unknown keys stop start-up) and logback.xml."""
    home = node.home
    for sub in ("data", "commitlog", "saved_caches", "hints", "cdc_raw", "logs", "conf"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    where = placement(node, cluster_size)
    several_dcs = data_centres(node.base) > 1
    snitch = "GossipingPropertyFileSnitch" if several_dcs else "SimpleSnitch"
    (home / "conf" / "cassandra-rackdc.properties").write_text(f"dc={where.dc}\nrack=rack1\n")
    yaml = f"""\
cluster_name: chat-service-local
num_tokens: 1
initial_token: {where.token}
auto_bootstrap: false
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
endpoint_snitch: {snitch}
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "{where.seeds}"
listen_address: {node.address}
rpc_address: {node.address}
storage_port: {STORAGE_PORT}
native_transport_port: {CQL_PORT}
data_file_directories: [{home / "data"}]
commitlog_directory: {home / "commitlog"}
saved_caches_directory: {home / "saved_caches"}
hints_directory: {home / "hints"}
cdc_raw_directory: {home / "cdc_raw"}
commitlog_sync: periodic
commitlog_sync_period: 10000ms
auto_snapshot: false
concurrent_reads: 16
concurrent_writes: 16
concurrent_counter_writes: 16
# Memtable cells off the 1 GiB heap: young collections copy less (bench/README.md,
# "Cassandra's memtables off the heap": a third less time paused, a lower p99).
memtable_allocation_type: offheap_objects
"""
    config = home / "conf" / "cassandra.yaml"
    config.write_text(yaml)
    (home / "conf" / "logback.xml").write_text(
        f"""\
<configuration scan="false">
  <appender name="FILE" class="ch.qos.logback.core.rolling.RollingFileAppender">
    <file>{node.logs / "system.log"}</file>
    <rollingPolicy class="ch.qos.logback.core.rolling.FixedWindowRollingPolicy">
      <fileNamePattern>{node.logs / "system.log.%i"}</fileNamePattern>
      <minIndex>1</minIndex><maxIndex>3</maxIndex>
    </rollingPolicy>
    <triggeringPolicy class="ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy">
      <maxFileSize>20MB</maxFileSize>
    </triggeringPolicy>
    <encoder><pattern>%-5level [%thread] %date{{ISO8601}} %F:%L - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="FILE"/></root>
</configuration>
"""
    )
    return config


def jvm_command(node: Node, heap: str, fast: bool) -> list[str]:
    conf = node.home / "conf"
    jamm = sorted(LIB.glob("jamm-*.jar"))
    return [
        "java",
        f"-Xms{heap}",
        f"-Xmx{heap}",
        *JVM_FLAGS,
        *(FAST_FLAGS if fast else []),
        *([f"-javaagent:{jamm[0]}"] if jamm else []),
        f"-Dcassandra.config=file://{conf / 'cassandra.yaml'}",
        f"-Dcassandra-rackdc.properties=file://{conf / 'cassandra-rackdc.properties'}",
        f"-Dcassandra.storagedir={node.home}",
        f"-Dcassandra.logdir={node.logs}",
        f"-Dlogback.configurationFile=file://{conf / 'logback.xml'}",
        "-cp",
        f"{LIB}/*",
        "org.apache.cassandra.service.CassandraDaemon",
    ]


def launch(node: Node, cluster_size: int, heap: str, fast: bool) -> None:
    """Start the node's JVM in its own session (a terminal's Ctrl-C does not reach it)."""
    if node.pid() is not None:
        return
    fetch()
    write_config(node, cluster_size)
    with open(node.logs / "stdout.log", "ab") as out:
        process = subprocess.Popen(
            jvm_command(node, heap, fast),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            cwd=node.home,
        )
    node.pid_file.write_text(str(process.pid))


def _port_open(address: str, port: int) -> bool:
    try:
        with socket.create_connection((address, port), timeout=1):
            return True
    except OSError:
        return False


def _query(address: str, cql: str) -> list[tuple]:
    from cassandra.cluster import Cluster
    from cassandra.policies import WhiteListRoundRobinPolicy

    cluster = Cluster(
        [address],
        load_balancing_policy=WhiteListRoundRobinPolicy([address]),
        protocol_version=5,
        connect_timeout=5,
    )
    try:
        return list(cluster.connect().execute(cql, timeout=10))
    finally:
        cluster.shutdown()


def wait_ready(node: Node, cluster_size: int, deadline: float) -> str:
    """Wait until the node answers CQL (and, in a cluster, sees its peers); its version."""

    def version() -> str | None:
        if node.pid() is None:
            raise StartError(f"node {node.index} exited during start-up\n{tail_logs(node)}")
        if not _port_open(node.address, CQL_PORT):
            return None
        try:
            release = _query(node.address, "SELECT release_version FROM system.local")[0][0]
            peers = _query(node.address, "SELECT peer FROM system.peers")
        except ImportError:
            return "unknown (cassandra-driver is not installed)"
        except Exception:
            return None
        return str(release) if len(peers) >= cluster_size - 1 else None

    try:
        return wait_until(version, f"node {node.index}", deadline - time.monotonic(), every=1)
    except NotReady as exc:
        raise StartError(f"{exc}\n{tail_logs(node)}") from None


def tail_logs(node: Node, lines: int = 40) -> str:
    parts = []
    for name in ("stdout.log", "system.log"):
        path = node.logs / name
        if path.exists():
            text = path.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"--- {path} ---\n" + "\n".join(text))
    return "\n".join(parts)


def start_cluster(
    base: Path = DEFAULT_BASE,
    nodes: int = 1,
    heap: str = "1G",
    fast: bool = False,
    timeout: float = 180,
    first: int = 1,
    dcs: int = 1,
) -> list[Node]:
    """Start (or find running) nodes 1..n and wait until all answer and see each other."""
    if dcs < 1 or nodes % dcs or nodes // dcs not in TOKENS:
        raise ValueError("1 to 3 nodes in each data centre, as many in each")
    base.mkdir(parents=True, exist_ok=True)
    (base / "first-ip").write_text(str(first))
    (base / "dcs").write_text(str(dcs))
    cluster = [Node(index, base) for index in range(1, nodes + 1)]
    started = time.monotonic()
    deadline = started + timeout
    seed, *others = cluster
    launch(seed, nodes, heap, fast)
    # The others give up ("Unable to gossip with any peers") if the seed is not listening yet.
    while nodes > 1 and not _port_open(seed.address, STORAGE_PORT):
        if seed.pid() is None or time.monotonic() > deadline:
            raise StartError(f"seed node did not start\n{tail_logs(seed)}")
        time.sleep(0.5)
    for node in others:
        launch(node, nodes, heap, fast)
    for node in cluster:
        version = wait_ready(node, nodes, deadline)
        print(
            f"cassandra: node {node.index} ({node.address}:{CQL_PORT}) ready, "
            f"version {version}, {time.monotonic() - started:.1f} s",
            flush=True,
        )
    return cluster


def restart_node(base: Path, index: int, heap: str = "1G", fast: bool = False) -> Node:
    """Start one stopped node of an existing cluster again and wait until it rejoined."""
    size = len(list(base.glob("node*/conf/cassandra.yaml")))
    node = Node(index, base)
    launch(node, size, heap, fast)
    wait_ready(node, size, time.monotonic() + 180)
    return node


def stop_node(base: Path, index: int, timeout: float = 60) -> None:
    """SIGTERM (Cassandra flushes its memtables on the way out), SIGKILL if it hangs."""
    node = Node(index, base)
    pid = node.pid()
    if pid is not None:
        os.killpg(pid, signal.SIGTERM)
        if not _wait_exit(node, pid, timeout):
            os.killpg(pid, signal.SIGKILL)
            _wait_exit(node, pid, 30)
    node.pid_file.unlink(missing_ok=True)


def kill_node(base: Path, index: int) -> None:
    """SIGKILL, as a crash would: for fault tests."""
    node = Node(index, base)
    pid = node.pid()
    if pid is not None:
        os.killpg(pid, signal.SIGKILL)
        _wait_exit(node, pid, 30)
    node.pid_file.unlink(missing_ok=True)


def _wait_exit(node: Node, pid: int, timeout: float) -> bool:
    """Wait for the JVM to exit, reaping it when it is our own child (no zombie left)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        if node.pid() is None:
            return True
        time.sleep(0.1)
    return False


def node_indexes(base: Path) -> list[int]:
    return sorted(int(path.name.removeprefix("node")) for path in base.glob("node[0-9]"))


def stop_all(base: Path = DEFAULT_BASE) -> None:
    for index in node_indexes(base):
        stop_node(base, index)


def print_status(base: Path = DEFAULT_BASE) -> None:
    indexes = node_indexes(base)
    if not indexes:
        print(f"cassandra: no nodes under {base}")
    for index in indexes:
        node = Node(index, base)
        pid = node.pid()
        state = f"running (pid {pid})" if pid else "stopped"
        print(f"cassandra: node {index} {node.address}:{CQL_PORT} {state}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("command", choices=["fetch", "start", "stop", "kill", "restart", "status"])
    parser.add_argument("--base-dir", type=Path, default=DEFAULT_BASE)
    parser.add_argument("--nodes", type=int, default=1)
    parser.add_argument("--node", type=int)
    parser.add_argument("--heap", default="1G")
    parser.add_argument("--fast", action="store_true", help="tests only: skips fsync and waits")
    parser.add_argument("--timeout", type=float, default=180)
    parser.add_argument("--first-ip", type=int, default=1, help="node 1 on 127.0.0.<first-ip>")
    parser.add_argument("--dcs", type=int, default=1, help="data centres the nodes are split into")
    args = parser.parse_args()
    base = args.base_dir.resolve()
    try:
        if args.command == "fetch":
            fetch()
        elif args.command == "start":
            start_cluster(
                base, args.nodes, args.heap, args.fast, args.timeout, args.first_ip, args.dcs
            )
        elif args.command == "stop":
            for index in [args.node] if args.node else node_indexes(base):
                stop_node(base, index)
        elif args.command in ("kill", "restart"):
            if not args.node:
                parser.error(f"{args.command} needs --node")
            if args.command == "kill":
                kill_node(base, args.node)
            else:
                restart_node(base, args.node, args.heap, args.fast)
        else:
            print_status(base)
    except StartError as exc:
        print(f"cassandra: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
