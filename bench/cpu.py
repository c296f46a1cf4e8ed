"""Where a scenario's CPU went: the seconds each process of the stack ran (user + system,
from /proc) and how busy the whole machine was, so a figure comes with its cost per request.

Linux only; a process that is not on this machine (a remote Cassandra) is left out.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

_TICKS_PER_S = os.sysconf("SC_CLK_TCK")
# Process name -> what its command line contains.
_STACK = {
    "cassandra": b"org.apache.cassandra.service.CassandraDaemon",
    "redis": b"redis-server",
}


@dataclass(frozen=True)
class Snapshot:
    process_s: dict[str, float]
    machine_busy_s: float
    machine_total_s: float


def stack_pids(service_pid: int) -> dict[str, list[int]]:
    """The service (with its worker processes), Cassandra and Redis."""
    pids: dict[str, list[int]] = {"service": [service_pid], "cassandra": [], "redis": []}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        if parent == service_pid:
            pids["service"].append(int(entry.name))
        for name, marker in _STACK.items():
            if marker in command:
                pids[name].append(int(entry.name))
    return {name: found for name, found in pids.items() if found}


def snapshot(pids: dict[str, list[int]]) -> Snapshot:
    with open("/proc/stat") as stat:
        times = [int(field) for field in stat.readline().split()[1:]]
    idle = times[3] + times[4]  # idle + iowait
    return Snapshot(
        {name: sum(_cpu_s(pid) for pid in group) for name, group in pids.items()},
        (sum(times) - idle) / _TICKS_PER_S,
        sum(times) / _TICKS_PER_S,
    )


def cost(before: Snapshot, after: Snapshot, requests: int) -> dict[str, object]:
    """CPU milliseconds per request of each process, and the machine's busy share."""
    total = after.machine_total_s - before.machine_total_s
    per_request = {
        name: round((after.process_s[name] - seconds) * 1000 / max(requests, 1), 3)
        for name, seconds in before.process_s.items()
        if name in after.process_s
    }
    busy = (after.machine_busy_s - before.machine_busy_s) / total if total else 0.0
    return {"cpu_ms_per_request": per_request, "machine_busy": round(busy, 2)}


def _cpu_s(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS_PER_S  # utime + stime
