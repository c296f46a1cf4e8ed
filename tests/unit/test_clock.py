from datetime import UTC, datetime

from chat_service.domain.clock import datetime_to_ns, format_ns, ns_to_datetime


def test_format_has_nine_fraction_digits_and_z() -> None:
    assert format_ns(1_795_422_930_123_456_700) == "2026-11-23T08:35:30.123456700Z"
    assert format_ns(0) == "1970-01-01T00:00:00.000000000Z"


def test_naive_datetimes_are_utc() -> None:
    naive = datetime(2026, 11, 23, 10, 15, 30, 123456)
    assert datetime_to_ns(naive) == datetime_to_ns(naive.replace(tzinfo=UTC))
    assert format_ns(datetime_to_ns(naive)) == "2026-11-23T10:15:30.123456000Z"


def test_datetime_round_trip_at_microseconds() -> None:
    ns = 1_795_422_930_123_456_000
    assert datetime_to_ns(ns_to_datetime(ns)) == ns
