"""Two checkouts' services compared on one machine, their loads interleaved in short turns.

    .venv/bin/python -m bench.ab /work/wt-before . --only history_deep,ws_fanout

Why: this machine's speed moves by a third within minutes (bench/README.md, "How much one
make bench says"), so two `make bench` runs minutes apart compare the minutes as much as
the code. Here both services run at once, each on its own keyspace, Redis database and
port, seeded by its own checkout's `bench/seed.py`; then each scenario runs in turns of a
few seconds, A B B A A B ..., with each checkout's own load generator and CPU accounting.
A slow minute falls on both sides alike, and the ratio of neighbouring turns says what the
code does. Prints each turn and the median ratio B/A per scenario.

Each side is driven by a small program run with that checkout's interpreter in that
checkout (`_SIDE`, below), so older commits whose `bench/run.py` has no settings for the
keyspace or port still work: it sets them on the module.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

from bench.run import CPU_NOT_PER_REQUEST

# Run in a checkout with its interpreter: seed, then run scenarios read from stdin
# ("name seconds" per line), answering each with one line of JSON.
_SIDE = """
import asyncio, json, os, sys
keyspace, redis_url, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.environ.update(BENCH_KEYSPACE=keyspace, BENCH_REDIS_URL=redis_url, BENCH_PORT=str(port))
from bench import run
from bench.seed import PASSWORD, seed
from chat_service.infra.cassandra import CassandraSession
from chat_service.infra.migrations import migrate
from chat_service.infra.settings import load_settings
run.PORT = port
run.SERVICE_ENV.update(CASSANDRA_KEYSPACE=keyspace, REDIS_URL=redis_url)
os.environ.update(run.SERVICE_ENV)
settings = load_settings()

# bench.run's own reset drops a fixed `chat_bench` in older checkouts, hence this one.
async def reset():
    db = await CassandraSession.connect(settings, keyspace=None)
    try:
        await db.execute(f"DROP KEYSPACE IF EXISTS {keyspace}")
    finally:
        await db.close()
    await migrate(settings)

async def flush():
    import redis.asyncio as redis
    client = redis.from_url(redis_url)
    await client.flushdb()
    await client.aclose()

asyncio.run(reset())
asyncio.run(flush())
service = run.start_service({**os.environ, **run.SERVICE_ENV}, workers=1)
try:
    data = asyncio.run(seed(settings, f"http://127.0.0.1:{port}"))
    seed_file = run.RESULTS / f"ab-seed-{port}.json"
    run.RESULTS.mkdir(exist_ok=True)
    seed_file.write_text(json.dumps({**data, "password": PASSWORD}))
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        name, seconds = line.split()
        extra, _ = run.SCENARIOS[name]
        result = run.run_scenario(name, extra, seed_file, float(seconds), service.pid)
        print(json.dumps(result), flush=True)
finally:
    run.stop_service(service)
"""


class Side:
    def __init__(self, label: str, root: Path, keyspace: str, redis_url: str, port: int):
        self.label = label
        python = root / ".venv" / "bin" / "python"
        command = [str(python), "-c", _SIDE, keyspace, redis_url, str(port)]
        self._process = subprocess.Popen(
            command, cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def _answer(self) -> dict:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            if line.startswith("{"):
                return json.loads(line)
        raise RuntimeError(f"side {self.label} ended")

    def ready(self) -> None:
        self._answer()

    def run(self, scenario: str, seconds: float) -> dict:
        assert self._process.stdin is not None
        self._process.stdin.write(f"{scenario} {seconds}\n")
        self._process.stdin.flush()
        return self._answer()

    def close(self) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()
        self._process.wait()


def _turns(rounds: int) -> list[int]:
    """A B B A A B ...: which side runs each turn (0 = A), so that a steady drift in the
    machine's speed favours neither."""
    order: list[int] = []
    for n in range(rounds):
        order += [0, 1] if n % 2 == 0 else [1, 0]
    return order


def _figure(result: dict) -> tuple[float, float]:
    # Older checkouts report only `events_per_s` for the WebSocket scenarios.
    rate = result["events_per_s"] if "events_per_s" in result else result["throughput_per_s"]
    return float(rate), float(result["p99_ms"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("a", type=Path, help="checkout A (the baseline), with its .venv")
    parser.add_argument("b", type=Path, help="checkout B")
    parser.add_argument("--only", required=True, help="scenarios of bench.run, comma separated")
    parser.add_argument("--turn", type=float, default=8, help="seconds of load per turn")
    parser.add_argument("--rounds", type=int, default=6, help="turns per side and scenario")
    parser.add_argument("--warmup", type=float, default=3)
    args = parser.parse_args()
    sides = [
        Side("A", args.a.resolve(), "chat_bench_a", "redis://127.0.0.1:6379/2", 8100),
        Side("B", args.b.resolve(), "chat_bench_b", "redis://127.0.0.1:6379/3", 8101),
    ]
    summary: dict[str, dict] = {}
    try:
        for side in sides:
            side.ready()
        for scenario in [name for name in args.only.split(",") if name]:
            for side in sides:
                side.run(scenario, args.warmup)
            turns: list[list[dict]] = [[], []]
            for which in _turns(args.rounds):
                result = sides[which].run(scenario, args.turn)
                turns[which].append(result)
                rate, p99 = _figure(result)
                cpu = result.get("cpu_ms_per_request", {})
                print(f"{scenario} {sides[which].label}: {rate:.0f}/s p99 {p99:.1f} ms cpu {cpu}")
            summary[scenario] = _compare(turns, scenario)
            print(json.dumps({scenario: summary[scenario]}), flush=True)
    finally:
        for side in sides:
            side.close()
    print(json.dumps(summary, indent=2))
    return 0


def _compare(turns: list[list[dict]], scenario: str) -> dict:
    """Median rates and p99s per side, and the median of the rate ratios B/A of the
    turns run next to each other."""
    rates = [[_figure(result)[0] for result in side] for side in turns]
    p99s = [[_figure(result)[1] for result in side] for side in turns]
    ratios = [b / a for a, b in zip(*rates, strict=True) if a]
    found = {
        "rate_a": statistics.median(rates[0]),
        "rate_b": statistics.median(rates[1]),
        "p99_a": statistics.median(p99s[0]),
        "p99_b": statistics.median(p99s[1]),
        "ratio_b_a": round(statistics.median(ratios), 3),
        "ratios": [round(ratio, 3) for ratio in ratios],
    }
    if scenario not in CPU_NOT_PER_REQUEST:
        for label, side in zip("ab", turns, strict=True):
            found[f"service_cpu_ms_{label}"] = statistics.median(
                result["cpu_ms_per_request"]["service"] for result in side
            )
    return found


if __name__ == "__main__":
    sys.exit(main())
