"""Overload: at twice the rate one process sustains, admission control refuses the excess
at once (`503 overloaded` with `Retry-After`) and the requests it admits stay fast.

The sustainable rate is measured first, closed loop, with as many sends in flight as the
process admits at most; then sends arrive open loop (at fixed instants, each timed from
its instant, so a stall shows in the latencies) at twice that rate. The load comes from
tests/faults/loadgen, a Go program: an aiohttp client on the same two cores added its own
event-loop lag (p99 40 to 120 ms) and CPU to every latency it measured. Run by
`make faults`.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import aiohttp
import pytest

from bench.run import wait_until_quiet
from chat_service.infra.settings import Settings
from tests.faults.load import Offered, build_loadgen, make_users, offer_sends, process_cpu_s
from tests.integration.processes import services

pytestmark = pytest.mark.faults

# Sized for this 2-core machine by the rule of docs/scale-out.md, capacity times the
# latency accepted: 270-450 sends/s (CI's run and quiet ones) times 20 ms is 5 to 9. At 16
# the admitted p99 was over 100 ms in most runs, at 8 in CI's run too (130 ms), at 6 under
# it but on a cold node, at about the same capacity (figures in that doc). A latency target
# (which moves the limit below it) lowered goodput here without lowering the admitted p99:
# the store's latency, not this process's queue, set the tail.
IN_FLIGHT = 6
LATENCY_TARGET_MS = 0
CAPACITY_S, OVERLOAD_S = 5.0, 8.0
# The acceptance bar for the admitted p99 at twice capacity. Printed, not asserted: on a
# shared machine the tail is other processes' stalls (the project's rule: no timing
# asserts); the figures and the machine's load go into docs/scale-out.md.
ADMITTED_P99_BAR_MS = 100
GOODPUT_BAR = 0.5  # of the capacity measured around the overload


@pytest.fixture(scope="module")
def loadgen(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_loadgen(tmp_path_factory.mktemp("loadgen"))


async def test_twice_the_sustainable_rate_is_refused_fast_and_goodput_holds(
    migrated: Settings, loadgen: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    limits = {
        "MAX_IN_FLIGHT_REQUESTS": str(IN_FLIGHT),
        "ADMISSION_LATENCY_TARGET_MS": str(LATENCY_TARGET_MS),
        "OVERLOAD_RETRY_AFTER_S": "1",
    }
    async with services(migrated, 1, **limits) as (service,):
        async with aiohttp.ClientSession() as http:
            users = await make_users(http, service.url, 20)
        await offer_sends(loadgen, service.url, users, "closed", 1.0, concurrency=IN_FLIGHT)
        # The tests before this one leave work behind (the fault tests' cluster shutting
        # down, the shared node's compactions): measured on it, the tail is theirs.
        waited = await asyncio.to_thread(wait_until_quiet)
        pid = service.process.pid
        cpu = [process_cpu_s(pid)]
        sustained = await offer_sends(
            loadgen, service.url, users, "closed", CAPACITY_S, concurrency=IN_FLIGHT
        )
        cpu.append(process_cpu_s(pid))
        capacity = sustained.statuses[201] / CAPACITY_S
        overload = await offer_sends(
            loadgen, service.url, users, "open", OVERLOAD_S, rate=2 * capacity
        )
        cpu.append(process_cpu_s(pid))
        again = await offer_sends(
            loadgen, service.url, users, "closed", CAPACITY_S, concurrency=IN_FLIGHT
        )
        async with aiohttp.ClientSession() as http, http.get(f"{service.url}/metrics") as r:
            limit = next(
                line.split()[1]
                for line in (await r.text()).splitlines()
                if line.startswith("admission_in_flight_limit ")
            )
    goodput = overload.statuses[201] / OVERLOAD_S
    # The store's own pace drifts over a run (compactions, flushes): goodput is compared with
    # the capacity measured on both sides of the overload.
    capacity_after = again.statuses[201] / CAPACITY_S
    capacity_around = (capacity + capacity_after) / 2
    with capsys.disabled():
        print(
            f"\n[overload figures] capacity {capacity:.0f}/s before, {capacity_after:.0f}/s "
            f"after (p99 {sustained.p99_ms():.0f} ms, "
            f"at most {IN_FLIGHT} in flight, target {LATENCY_TARGET_MS} ms); at "
            f"{2 * capacity:.0f}/s offered: goodput {goodput:.0f}/s "
            f"({goodput / capacity_around:.0%} of capacity), "
            f"admitted p99 {overload.p99_ms():.0f} ms, "
            f"statuses {dict(overload.statuses)}, limit at the end {limit}, machine quiet "
            f"after {waited:.0f} s; admitted p99 "
            f"{'under' if overload.p99_ms() < ADMITTED_P99_BAR_MS else 'NOT under'} "
            f"{ADMITTED_P99_BAR_MS} ms (load average {os.getloadavg()[0]:.1f}); "
            + _cpu_figures(
                (sustained, CAPACITY_S, cpu[1] - cpu[0]), (overload, OVERLOAD_S, cpu[2] - cpu[1])
            ),
            flush=True,
        )
    assert set(sustained.statuses) <= {201, 503}
    assert set(overload.statuses) <= {201, 503}  # refused, never failed or timed out
    assert overload.statuses[503] > 0
    assert set(overload.refusals) == {"1 overloaded"}
    # Refusing is cheap: the process still completes most of what it can. Half, not more:
    # at twice the rate the generator takes twice its share of the two cores, and each send
    # costs the process more CPU between the refusals (docs/scale-out.md, the figures).
    assert goodput >= GOODPUT_BAR * capacity_around


def _cpu_figures(*phases: tuple[Offered, float, float]) -> str:
    """Where the cores went in each phase (closed loop at capacity, open loop at twice it):
    the service's and the generator's CPU, in cores, and the service's CPU per request."""
    parts = []
    for name, (offered, seconds, service_s) in zip(("capacity", "overload"), phases, strict=True):
        answered = offered.statuses[201] + offered.statuses[503]
        parts.append(
            f"{name}: service {service_s / seconds:.2f} cores "
            f"({1000 * service_s / max(answered, 1):.2f} ms per answer), "
            f"generator {offered.loadgen_cpu_s / seconds:.2f} cores"
        )
    return "; ".join(parts)
