"""The soak's probes, files and judgement (bench/soak.py runs the load).

Judgement, on the samples after the warm-up: memory is flat when the least-squares line
through RSS rises by at most 5% per 20 minutes (its slope times 20 minutes, as a share of
its value where the warm-up ends: a 5-minute look and a 20-minute run are judged alike);
p99 is flat for a kind when the median p99 of the later half is at most 1.5 times that of
the earlier half plus 5 ms (the machine's noise floor: other work shares its two cores).
The verdict also gives each kind's p99 spread after the warm-up (least and worst sample).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
from pathlib import Path
from typing import Any

import aiohttp

from chat_service.infra.settings import Settings

MEMORY_GROWTH_LIMIT_PCT = 5.0
P99_RATIO_LIMIT, P99_SLACK_MS = 1.5, 5.0
_REFUSED = "admission_rejections_total"
_LIMIT = "admission_in_flight_limit"
TREND_SPAN_S = 20 * 60
COMPACTIONS_CQL = (
    "SELECT pending_tasks, active_tasks FROM system_views.thread_pools "
    "WHERE name = 'CompactionExecutor'"
)


class Probe:
    """What one sample reads: /proc for the process, /metrics, Cassandra's virtual tables."""

    def __init__(self, pid: int, base: str, settings: Settings) -> None:
        from cassandra.cluster import Cluster

        self.pid, self.base = pid, base
        self._refused = 0.0
        self._cluster = Cluster(
            list(settings.cassandra_contact_points), port=settings.cassandra_port
        )
        self._session = self._cluster.connect()

    def _status(self, field: str) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
        return 0

    def rss_mb(self) -> float:
        return round(self._status("VmRSS") / 1024, 1)

    def open_sockets(self) -> int:
        fds = Path(f"/proc/{self.pid}/fd")
        return sum(1 for fd in fds.iterdir() if _link(fd).startswith("socket:"))

    async def metrics(self, http: aiohttp.ClientSession) -> dict[str, float]:
        async with http.get(f"{self.base}/metrics") as response:
            text = await response.text()
        values = {}
        for line in text.splitlines():
            name, _, value = line.partition(" ")
            if name in ("event_loop_lag_seconds", "websocket_connections", _REFUSED, _LIMIT):
                values[name] = float(value)
        return values

    async def loop_lag_ms(self, http: aiohttp.ClientSession) -> float:
        return round((await self.metrics(http)).get("event_loop_lag_seconds", 0.0) * 1000, 2)

    def pending_compactions(self) -> int | None:
        try:
            rows = list(self._session.execute(COMPACTIONS_CQL, timeout=10))
        except Exception:  # a sample without the figure beats a soak that stops
            return None
        return sum(row.pending_tasks for row in rows)

    async def sample(
        self,
        http: aiohttp.ClientSession,
        latencies: dict[str, list[float]],
        errors: dict[str, int],
        loop_lag_max_ms: float,
    ) -> dict[str, Any]:
        import asyncio

        values = await self.metrics(http)
        refused = values.get(_REFUSED, 0.0) - self._refused
        self._refused = values.get(_REFUSED, 0.0)
        row: dict[str, Any] = {
            "rss_mb": self.rss_mb(),
            "open_sockets": self.open_sockets(),
            "threads": self._status("Threads"),
            "websockets": int(values.get("websocket_connections", 0)),
            "loop_lag_max_ms": loop_lag_max_ms,
            "pending_compactions": await asyncio.to_thread(self.pending_compactions),
            "errors": sum(errors.values()),
            "refused_overloaded": int(refused),  # of the errors: 503 overloaded
            "admission_limit": int(values.get(_LIMIT, 0)),  # at the sample
        }
        for kind, values_ms in sorted(latencies.items()):
            row[f"p99_ms_{kind}"] = _p99(values_ms)
            row[f"count_{kind}"] = len(values_ms)
        return row


def _link(fd: Path) -> str:
    try:
        return os.readlink(fd)
    except OSError:
        return ""


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 1) if ordered else 0.0


def one_line(row: dict[str, Any]) -> str:
    p99 = " ".join(f"{k[7:]}={v}" for k, v in row.items() if k.startswith("p99_ms_"))
    return (
        f"rss {row['rss_mb']} MB, sockets {row['open_sockets']} (ws {row['websockets']}), "
        f"lag {row['loop_lag_max_ms']} ms, compactions {row['pending_compactions']}, "
        f"errors {row['errors']} ({row['refused_overloaded']} refused, limit "
        f"{row.get('admission_limit')}); p99 ms {p99}"
    )


def _fit(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """The least-squares line's rise over the span and per 20 minutes, in % of its start."""
    slope, intercept = statistics.linear_regression(xs, ys)
    start = intercept + slope * xs[0]
    if not start:
        return 0.0, 0.0
    return (
        round(100 * slope * (xs[-1] - xs[0]) / start, 2),
        round(100 * slope * TREND_SPAN_S / start, 2),
    )


def judge(samples: list[dict[str, Any]], warmup: int) -> dict[str, Any]:
    after = samples[warmup:]
    if len(after) < 4:
        return {"judged": False, "reason": f"{len(after)} samples after the warm-up (4 needed)"}
    xs = [float(row["elapsed_s"]) for row in after]
    rss = [row["rss_mb"] for row in after]
    growth, trend = _fit(xs, rss)
    p99: dict[str, dict[str, float | bool]] = {}
    kinds = sorted({k[7:] for row in after for k in row if k.startswith("p99_ms_")})
    for kind in kinds:
        # a sample in which none of a kind succeeded has no p99 of it (not a p99 of 0)
        series = [row[f"p99_ms_{kind}"] for row in after if f"p99_ms_{kind}" in row]
        if len(series) < 2:
            continue
        half = len(series) // 2
        early, late = statistics.median(series[:half]), statistics.median(series[half:])
        p99[kind] = {
            "early_ms": round(early, 1),
            "late_ms": round(late, 1),
            "least_ms": min(series),
            "worst_ms": max(series),
            "flat": late <= P99_RATIO_LIMIT * early + P99_SLACK_MS,
        }
    return {
        "judged": True,
        "samples_after_warmup": len(after),
        "rss_mb_first": rss[0],
        "rss_mb_last": rss[-1],
        "rss_mb_max": max(rss),
        "rss_fit_growth_pct": growth,
        "rss_trend_pct_per_20min": trend,
        "memory_flat": trend <= MEMORY_GROWTH_LIMIT_PCT,
        "p99": p99,
        "p99_flat": all(entry["flat"] for entry in p99.values()),
        "errors": sum(row["errors"] for row in samples),
    }


def verdict_text(verdict: dict[str, Any]) -> str:
    if not verdict.get("judged"):
        return f"soak: not judged: {verdict['reason']}"
    kinds = ", ".join(
        f"{kind} {v['early_ms']}->{v['late_ms']} ms (spread {v['least_ms']}..{v['worst_ms']})"
        for kind, v in verdict["p99"].items()
    )
    passed = verdict["memory_flat"] and verdict["p99_flat"]
    return (
        f"soak: {'PASS' if passed else 'FAIL'}: memory "
        f"{'FLAT' if verdict['memory_flat'] else 'GROWING'} (RSS {verdict['rss_mb_first']} -> "
        f"{verdict['rss_mb_last']} MB after warm-up, fitted trend "
        f"{verdict['rss_trend_pct_per_20min']:+.1f}% per 20 min, limit "
        f"{MEMORY_GROWTH_LIMIT_PCT:.0f}%); p99 {'FLAT' if verdict['p99_flat'] else 'RISING'} "
        f"(earlier->later half medians: {kinds}); errors {verdict['errors']}"
    )


def write(samples: list[dict[str, Any]], args: argparse.Namespace, out: Path) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    verdict = judge(samples, args.warmup_samples)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    report = {
        "commit": commit,
        "duration_s": args.duration,
        "sample_every_s": args.sample_every,
        "warmup_samples": args.warmup_samples,
        "scale": args.scale,
        "verdict": verdict,
        "samples": samples,
    }
    (out / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    columns = sorted({key for row in samples for key in row}, key=_column_order)
    with (out / "latest.csv").open("w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=columns)
        writer.writeheader()
        writer.writerows(samples)
    plot(samples, args.warmup_samples, out / "latest.png")
    return report


def _column_order(name: str) -> tuple[int, str]:
    first = ["elapsed_s", "rss_mb", "open_sockets", "websockets", "loop_lag_max_ms"]
    return (first.index(name), name) if name in first else (len(first), name)


def plot(samples: list[dict[str, Any]], warmup: int, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    minutes = [row["elapsed_s"] / 60 for row in samples]
    figure, axes = plt.subplots(5, 1, figsize=(9, 13), sharex=True)
    panels = [
        ("service RSS (MB)", ["rss_mb"]),
        (
            "open sockets / WebSockets / admission limit",
            ["open_sockets", "websockets", "admission_limit"],
        ),
        ("event-loop lag, worst of sample (ms)", ["loop_lag_max_ms"]),
        ("p99 per route kind (ms)", sorted(k for k in samples[0] if k.startswith("p99_ms_"))),
        ("Cassandra pending compactions", ["pending_compactions"]),
    ]
    for axis, (title, keys) in zip(axes, panels, strict=True):
        for key in keys:
            values = [row.get(key) for row in samples]
            axis.plot(minutes, [v if v is not None else float("nan") for v in values],
                      marker=".", label=key.removeprefix("p99_ms_"))  # fmt: skip
        if warmup and len(samples) > warmup:
            axis.axvspan(0, minutes[warmup - 1], color="0.9", label="_warm-up")
        axis.set_title(title, fontsize=10)
        axis.grid(alpha=0.3)
        if len(keys) > 1:
            axis.legend(fontsize=7, ncol=4)
    axes[0].set_ylim(bottom=0)
    axes[-1].set_xlabel("minutes (shaded: warm-up, not judged)")
    figure.tight_layout()
    figure.savefig(path, dpi=80)
    plt.close(figure)
