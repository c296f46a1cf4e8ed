"""The benchmark suite: seeds data, runs every scenario with the load generator in its own
process, prints a table and writes `bench/results/latest.json`.

    make bench                       # starts Cassandra and Redis if needed
    .venv/bin/python -m bench.run --duration 10 --only send_dm,history_recent

The service runs as a separate `chat-service serve` process started here, with the
settings below (rate limits raised so that the load is not refused).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from bench import cpu
from bench.seed import PASSWORD, seed
from chat_service.infra.migrations import migrate
from chat_service.infra.settings import Settings, load_settings
from tools.waiting import http_ready

ROOT = Path(__file__).resolve().parents[1]

RESULTS = ROOT / "bench" / "results"
# BENCH_KEYSPACE, BENCH_REDIS_URL and BENCH_PORT let a spot check run beside others' work
# (the keyspace is dropped and recreated); `make bench` uses the defaults.
KEYSPACE = os.environ.get("BENCH_KEYSPACE", "chat_bench")
SERVICE_ENV = {
    "APP_ENV": "development",
    "CASSANDRA_KEYSPACE": KEYSPACE,
    "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/2"),
    "SEND_LIMIT_PER_MINUTE": "100000000",
    "SEND_LIMIT_PER_DAY": "100000000",
    "LOGIN_FAILURE_LIMIT": "100000000",
    "LOG_LEVEL": "WARNING",
}
PORT = int(os.environ.get("BENCH_PORT", "8100"))  # beside a `make run` on 8000

# name -> (loadgen arguments, target description)
# Closed-loop HTTP scenarios are driven by wrk (C), the others by bench/loadgen.py's asyncio
# generator. history_recent runs at 16 in flight: its throughput is flat from 16 up, and
# more in flight only queues (bench/README.md has the figures at 32 and 64).
WRK = ["--generator", "wrk"]
SCENARIOS: dict[str, tuple[list[str], str]] = {
    "send_dm": (["--concurrency", "64", *WRK], ">= 1500/s, p99 <= 50 ms"),
    "history_recent": (["--concurrency", "16", *WRK], ">= 4000/s, p99 <= 20 ms"),
    "history_deep": (["--concurrency", "32", *WRK], "p99 <= 50 ms"),
    "messages_compat": (["--concurrency", "32", *WRK], "p99 <= 20 ms"),
    "messages_compat_page50": (["--concurrency", "32", *WRK], "(issue 3: page 50 answers)"),
    "search": (["--concurrency", "16", *WRK], "(issue 18) p99 <= 50 ms"),
    "health_during_login_storm": (["--rate", "100"], "p99 <= 20 ms"),
    "history_reactions": (["--concurrency", "16", *WRK], "within 10% of history_recent"),
    "react": (["--concurrency", "32", *WRK], "(issue 18: a reaction's write and event)"),
    "ws_fanout": (["--rate", "500"], ">= 500 events/s, p99 <= 50 ms"),
    "ws_idle": (["--connections", "10000"], "10,000 connections <= 300 MB"),
}
# Measured on a single fresh process: the memory of one process, without what earlier
# scenarios left in it.
FRESH_SINGLE_PROCESS = {"ws_idle"}
# The requests counted do not carry the load (the logins do), or there are none.
CPU_NOT_PER_REQUEST = {"health_during_login_storm", "ws_idle"}
# Cassandra alone, without the service: what one direct message writes, from a Go client
# (bench/ceiling), at send_dm's concurrency and at send_dm's target rate.
CEILINGS: dict[str, tuple[list[str], str]] = {
    "cassandra_ceiling_c64": (["-concurrency", "64"], "(the store's ceiling for send_dm)"),
    "cassandra_ceiling_1500": (["-rate", "1500"], "(the store at send_dm's target rate)"),
}


def machine() -> dict[str, object]:
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
        ).stdout.strip(),
    }


def wait_until_quiet(busy_below: float = 0.25, quiet_s: int = 3, longest_s: float = 90) -> float:
    """Wait until the machine's CPUs have been mostly idle for `quiet_s` seconds in a row
    (Cassandra flushes and compacts in bursts after a write-heavy scenario), so that each
    scenario starts from the same quiet machine; the seconds waited."""
    started = time.monotonic()
    quiet = 0
    while quiet < quiet_s and time.monotonic() - started < longest_s:
        before = _cpu_times()
        time.sleep(1.0)
        after = _cpu_times()
        total = sum(after) - sum(before)
        idle = (after[3] + after[4]) - (before[3] + before[4])  # idle + iowait
        quiet = quiet + 1 if total and 1 - idle / total < busy_below else 0
    return time.monotonic() - started


def _cpu_times() -> list[int]:
    with open("/proc/stat") as stat:
        return [int(field) for field in stat.readline().split()[1:]]


def start_service(env: dict[str, str], workers: int) -> subprocess.Popen[bytes]:
    command = [
        str(ROOT / ".venv" / "bin" / "chat-service"), "serve",
        "--port", str(PORT), "--workers", str(workers),
    ]  # fmt: skip
    service = subprocess.Popen(
        command,
        env=env,
        cwd=ROOT,
    )
    asyncio.run(http_ready(f"http://127.0.0.1:{PORT}"))
    return service


def stop_service(service: subprocess.Popen[bytes]) -> None:
    service.terminate()
    service.wait()


def run_scenario(name: str, extra: list[str], seed_file: Path, duration: float, pid: int) -> dict:
    """The load generator's figures, with the CPU each process spent per request."""
    pids = cpu.stack_pids(pid)
    before = cpu.snapshot(pids)
    command = [
        sys.executable, str(ROOT / "bench" / "loadgen.py"), name,
        "--base-url", f"http://127.0.0.1:{PORT}", "--seed", str(seed_file),
        "--duration", str(duration), "--service-pid", str(pid), *extra,
    ]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    result = json.loads(output.stdout.strip().splitlines()[-1])
    if name not in CPU_NOT_PER_REQUEST:
        result.update(cpu.cost(before, cpu.snapshot(pids), result["requests"]))
    return result


def run_ceiling(extra: list[str], duration: float, settings: Settings) -> dict:
    command = [
        "go", "run", ".", "-keyspace", KEYSPACE, "-duration", f"{duration}s",
        "-host", settings.cassandra_contact_points[0], "-port", str(settings.cassandra_port),
        *extra,
    ]  # fmt: skip
    output = subprocess.run(
        command, capture_output=True, text=True, check=True, cwd=ROOT / "bench" / "ceiling"
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


def table(results: dict[str, dict]) -> str:
    header = f"{'scenario':28} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
    lines = [f"{header} {'errors':>7}  target"]
    for name, result in results.items():
        target = {**SCENARIOS, **CEILINGS}[name][1]
        if name == "ws_idle":
            lines.append(
                f"{name:28} {result['connections']:>9} connections, {result['rss_mb']} MB RSS"
                f"{'':>6}  {target}"
            )
            continue
        lines.append(
            f"{name:28} {result['throughput_per_s']:>9} {result['p50_ms']:>8} "
            f"{result['p95_ms']:>8} {result['p99_ms']:>8} {result['errors']:>7}  {target}"
        )
    return "\n".join(lines)


def cpu_table(results: dict[str, dict]) -> str:
    """Where each scenario's CPU went: milliseconds per request of each process."""
    names = ["service", "cassandra", "redis"]
    lines = [f"{'CPU ms per request':28} " + " ".join(f"{n:>9}" for n in names) + "  machine busy"]
    for name, result in results.items():
        spent = result.get("cpu_ms_per_request")
        if spent:
            cells = " ".join(f"{spent.get(n, '-'):>9}" for n in names)
            lines.append(f"{name:28} {cells}  {result['machine_busy']:.0%}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument(
        "--warmup",
        type=float,
        default=3,
        help="seconds of each scenario's load run first and not measured (caches fill, "
        "Cassandra's JIT compiles); 0 for none",
    )
    parser.add_argument("--only", default=",".join([*SCENARIOS, *CEILINGS]))
    parser.add_argument("--workers", type=int, default=1, help="`serve --workers` (default 1)")
    args = parser.parse_args()
    wanted = [name for name in args.only.split(",") if name]
    env = {**os.environ, **SERVICE_ENV}
    os.environ.update(SERVICE_ENV)
    settings = load_settings()
    asyncio.run(_reset_keyspace(settings))
    service = start_service(env, args.workers)
    try:
        started = time.monotonic()
        seed_data = asyncio.run(seed(settings, f"http://127.0.0.1:{PORT}"))
        print(f"bench: seeded in {time.monotonic() - started:.0f} s", flush=True)
        seed_file = RESULTS / "seed.json"
        RESULTS.mkdir(exist_ok=True)
        seed_file.write_text(json.dumps({**seed_data, "password": PASSWORD}))
        results = {}
        for name in [name for name in wanted if name in SCENARIOS]:
            if name in FRESH_SINGLE_PROCESS:
                stop_service(service)
                service = start_service(env, workers=1)
            extra, _ = SCENARIOS[name]
            waited = wait_until_quiet()
            print(f"bench: {name} (machine quiet after {waited:.0f} s) ...", flush=True)
            if args.warmup and name not in FRESH_SINGLE_PROCESS:
                run_scenario(name, extra, seed_file, args.warmup, service.pid)  # not measured
            results[name] = run_scenario(name, extra, seed_file, args.duration, service.pid)
    finally:
        stop_service(service)
    for name in [name for name in wanted if name in CEILINGS]:
        waited = wait_until_quiet()
        print(f"bench: {name} (Cassandra alone; quiet after {waited:.0f} s) ...", flush=True)
        results[name] = run_ceiling(CEILINGS[name][0], args.duration, settings)
    report = {"machine": {**machine(), "workers": args.workers}, "scenarios": results}
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2))
    print(table(results))
    print(cpu_table(results))
    return 0


async def _reset_keyspace(settings: object) -> None:
    from chat_service.infra.cassandra import CassandraSession

    db = await CassandraSession.connect(settings, keyspace=None)  # type: ignore[arg-type]
    try:
        await db.execute(f"DROP KEYSPACE IF EXISTS {KEYSPACE}")
    finally:
        await db.close()
    await migrate(settings)  # type: ignore[arg-type]


if __name__ == "__main__":
    sys.exit(main())
