"""The soak's judgement: the memory trend per 20 minutes and the p99 spread."""

from __future__ import annotations

from bench.soak_report import judge, verdict_text


def _samples(rss: list[float], send_p99: list[float], every_s: int = 60) -> list[dict]:
    return [
        {"elapsed_s": every_s * (n + 1), "rss_mb": mb, "errors": 0, "p99_ms_send_dm": p99}
        for n, (mb, p99) in enumerate(zip(rss, send_p99, strict=True))
    ]


def test_a_rise_of_one_percent_a_minute_is_twenty_per_twenty_minutes() -> None:
    # warm-up: 3 samples climbing fast; then 100 MB rising by 1 MB a minute
    samples = _samples([60, 80, 95, 100, 101, 102, 103, 104], [10.0] * 8)
    verdict = judge(samples, warmup=3)
    assert verdict["rss_trend_pct_per_20min"] == 20.0
    assert verdict["rss_fit_growth_pct"] == 4.0  # over the 4 minutes judged
    assert not verdict["memory_flat"]
    assert verdict_text(verdict).startswith("soak: FAIL: memory GROWING")


def test_the_same_rise_sampled_every_20_s_is_judged_alike() -> None:
    rss = [60.0] * 9 + [100 + n / 3 for n in range(6)]  # 1 MB a minute, a sample per 20 s
    verdict = judge(_samples(rss, [10.0] * 15, every_s=20), warmup=9)
    assert verdict["rss_trend_pct_per_20min"] == 20.0


def test_flat_memory_and_p99_pass_and_the_spread_is_given() -> None:
    samples = _samples([90, 100, 100.2, 99.9, 100.1, 100.0, 100.2], [50, 9, 12, 10, 11, 30, 10])
    verdict = judge(samples, warmup=1)
    assert verdict["memory_flat"] and verdict["p99_flat"]
    assert verdict["p99"]["send_dm"]["least_ms"] == 9
    assert verdict["p99"]["send_dm"]["worst_ms"] == 30
    text = verdict_text(verdict)
    assert text.startswith("soak: PASS: memory FLAT")
    assert "spread 9..30" in text


def test_a_p99_that_doubles_fails() -> None:
    samples = _samples([100.0] * 9, [10, 10, 10, 10, 10, 40, 40, 40, 40])
    verdict = judge(samples, warmup=1)
    assert not verdict["p99_flat"]
    assert "p99 RISING" in verdict_text(verdict)


def test_too_few_samples_after_the_warm_up_are_not_judged() -> None:
    assert not judge(_samples([1.0] * 5, [1.0] * 5), warmup=3)["judged"]


def test_a_sample_without_a_kind_is_not_a_p99_of_zero() -> None:
    samples = _samples([100.0] * 7, [10.0] * 7)
    for row in samples[4:]:
        del row["p99_ms_send_dm"]  # no send succeeded in those samples
    samples[5]["p99_ms_send_dm"] = 11.0
    verdict = judge(samples, warmup=1)
    assert verdict["p99"]["send_dm"]["least_ms"] == 10.0
    assert verdict["p99"]["send_dm"]["late_ms"] == 10.5
