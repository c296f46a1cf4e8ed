"""The latency-steered in-flight limit on a fake clock."""

from __future__ import annotations

from chat_service.api.admission_limit import (
    HOLD_S,
    MIN_SAMPLES,
    WINDOW_S,
    LatencyLimit,
    LimitSettings,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _limit(
    ceiling: int = 64, floor: int = 4, target_s: float = 0.05
) -> tuple[LatencyLimit, FakeClock]:
    clock = FakeClock()
    return LatencyLimit(LimitSettings(ceiling, floor, target_s), clock), clock


def _window(
    limit: LatencyLimit, clock: FakeClock, latency_s: float, *, at_limit: bool = True
) -> None:
    """One window of completions, each with the limit reached (or far from it)."""
    in_flight = limit.limit - 1 if at_limit else 0
    for n in range(MIN_SAMPLES):
        if n == MIN_SAMPLES - 1:
            clock.now += WINDOW_S
        limit.record(latency_s, in_flight)


def test_it_starts_at_the_ceiling_and_refuses_at_it() -> None:
    limit, _ = _limit(ceiling=3)
    assert [limit.admits(n) for n in range(5)] == [True, True, True, False, False]


def test_latency_above_the_target_lowers_it_in_proportion() -> None:
    limit, clock = _limit(ceiling=64)
    _window(limit, clock, 0.08)  # 1.6 x the target
    assert limit.limit == 40  # ceil(64 / 1.6)
    assert limit.last_p90_s == 0.08


def test_a_step_down_is_at_most_a_half_and_stops_at_the_floor() -> None:
    limit, clock = _limit(ceiling=64, floor=10)
    for expected in (32, 16, 10, 10):  # a queue: latency in proportion to the limit
        _window(limit, clock, limit.limit * 0.1)
        assert limit.limit == expected


def test_latency_below_the_target_raises_it_back_to_the_ceiling_at_most() -> None:
    limit, clock = _limit(ceiling=64)
    _window(limit, clock, 0.2)
    _window(limit, clock, 0.1)  # the step down paid: half the limit, half the latency
    assert limit.limit == 16
    _window(limit, clock, 0.04)  # 1.25 x is the steepest step up
    assert limit.limit == 20
    _window(limit, clock, 0.049)  # close below the target: still one more
    assert limit.limit == 21
    for _ in range(20):
        _window(limit, clock, 0.001)
    assert limit.limit == 64


def test_a_step_down_that_does_not_pay_is_undone_and_held() -> None:
    limit, clock = _limit(ceiling=64, floor=4)
    _window(limit, clock, 0.1)  # a store slow at any concurrency
    assert limit.limit == 32
    _window(limit, clock, 0.095)  # half the limit, 5% faster: not our queue
    assert limit.limit == 64
    _window(limit, clock, 0.1)  # held: no step below 64 for HOLD_S
    assert limit.limit == 64
    clock.now += HOLD_S
    _window(limit, clock, 0.1)  # the hold is over: it tries again
    assert limit.limit == 32


def test_during_a_hold_it_may_still_rise() -> None:
    limit, clock = _limit(ceiling=64, floor=4)
    _window(limit, clock, 0.2)
    _window(limit, clock, 0.04)  # fell to 32 and met the target: a step that paid
    assert limit.limit == 40
    _window(limit, clock, 0.2)
    _window(limit, clock, 0.2)  # 20 did no better than 40: back to 40, held there
    assert limit.limit == 40
    _window(limit, clock, 0.01)
    assert limit.limit == 50


def test_windows_in_which_the_limit_was_not_reached_change_nothing() -> None:
    limit, clock = _limit(ceiling=64)
    _window(limit, clock, 2.0, at_limit=False)  # a slow store at low load: not our queue
    assert limit.limit == 64
    assert limit.last_p90_s == 2.0


def test_a_refusal_counts_as_reaching_the_limit() -> None:
    limit, clock = _limit(ceiling=8)
    assert not limit.admits(8)
    clock.now += WINDOW_S
    for _ in range(MIN_SAMPLES):
        limit.record(0.1, 0)  # each ends far below the limit: only the refusal reached it
    assert limit.limit == 4


def test_the_p90_steers_not_the_odd_slow_request() -> None:
    limit, clock = _limit(ceiling=64)
    for n in range(100):
        if n == 99:
            clock.now += WINDOW_S
        limit.record(2.0 if n % 20 == 0 else 0.01, 63)  # 5% of the window very slow
    assert limit.limit == 64  # up, but the ceiling holds
    assert limit.last_p90_s == 0.01


def test_a_window_needs_its_time() -> None:
    limit, _ = _limit(ceiling=64)
    for _ in range(MIN_SAMPLES * 3):  # many samples, no time passes
        limit.record(1.0, 63)
    assert limit.limit == 64


def test_a_window_needs_its_samples() -> None:
    limit, clock = _limit(ceiling=64)
    clock.now += WINDOW_S * 10
    for _ in range(MIN_SAMPLES - 1):  # time, too few samples: the window goes on
        limit.record(1.0, 63)
    assert limit.limit == 64
    limit.record(1.0, 63)
    assert limit.limit == 32


def test_without_a_target_the_limit_is_fixed() -> None:
    limit, clock = _limit(ceiling=16, target_s=0)
    _window(limit, clock, 10.0)
    assert limit.limit == 16
    assert not limit.adaptive


def test_a_step_that_seemed_to_pay_is_undone_when_the_latency_comes_back() -> None:
    limit, clock = _limit(ceiling=8, floor=4)
    _window(limit, clock, 0.2)
    assert limit.limit == 4
    _window(limit, clock, 0.1)  # at the floor, faster: the step seemed to pay
    assert limit.limit == 4
    _window(limit, clock, 0.19)  # as slow as at 8 again: the floor does not help
    assert limit.limit == 8
