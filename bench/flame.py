"""A flame graph of the service while one scenario runs: where its own CPU goes.

    .venv/bin/python -m bench.flame --only send_dm --label before
    # -> bench/flame/send_dm-before.svg, and the scenario's figures and CPU per request

Seeds and starts the service as `bench.run` does (same settings, same environment
variables: BENCH_KEYSPACE, BENCH_REDIS_URL, BENCH_PORT), runs the scenario's warm-up
unrecorded, then runs it again under `py-spy record` attached to the service process
(sampling does not stop it, `--nonblocking`; about 2% of a core at the default rate).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench import run
from bench.seed import PASSWORD, seed
from chat_service.infra.settings import load_settings

FLAMES = run.ROOT / "bench" / "flame"


def record(pid: int, seconds: float, output: Path, rate: int, form: str) -> subprocess.Popen[bytes]:
    """py-spy sampling `pid` for `seconds`, writing `output` in `form` when it ends."""
    command = [
        str(Path(sys.executable).with_name("py-spy")), "record", "--pid", str(pid),
        "--duration", str(int(seconds)), "--rate", str(rate), "--nonblocking",
        "--format", form, "--output", str(output),
    ]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.DEVNULL)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", required=True, help="one scenario of bench.run")
    parser.add_argument("--label", default="now", help="the SVG's suffix (before, after, ...)")
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--rate", type=int, default=200, help="samples per second")
    parser.add_argument(
        "--format",
        choices=("flamegraph", "raw"),
        default="flamegraph",
        help="raw: collapsed stacks, one line each, for grep and sort (a .txt file)",
    )
    parser.add_argument(
        "--reuse-seed",
        action="store_true",
        help="keep the keyspace and bench/results/flame-seed.json of the last run (its "
        "tokens last a day): minutes saved between a before and an after",
    )
    args = parser.parse_args()
    extra, _ = run.SCENARIOS[args.only]
    env = {**os.environ, **run.SERVICE_ENV}
    os.environ.update(run.SERVICE_ENV)
    settings = load_settings()
    seed_file = run.RESULTS / "flame-seed.json"
    reuse = args.reuse_seed and seed_file.exists()
    if not reuse:
        asyncio.run(run._reset_keyspace(settings))
    service = run.start_service(env, workers=1)
    try:
        if not reuse:
            seed_data = asyncio.run(seed(settings, f"http://127.0.0.1:{run.PORT}"))
            run.RESULTS.mkdir(exist_ok=True)
            seed_file.write_text(json.dumps({**seed_data, "password": PASSWORD}))
        if args.warmup:
            run.run_scenario(args.only, extra, seed_file, args.warmup, service.pid)
        FLAMES.mkdir(exist_ok=True)
        suffix = "svg" if args.format == "flamegraph" else "txt"
        output = FLAMES / f"{args.only}-{args.label}.{suffix}"
        sampler = record(service.pid, args.duration, output, args.rate, args.format)
        time.sleep(0.5)  # attached before the load starts
        result = run.run_scenario(args.only, extra, seed_file, args.duration, service.pid)
        sampler.wait()
    finally:
        run.stop_service(service)
    profile = str(output.relative_to(run.ROOT))
    print(json.dumps({"scenario": args.only, "profile": profile, **result}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
