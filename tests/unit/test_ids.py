import uuid

from hypothesis import given
from hypothesis import strategies as st

from chat_service.domain.ids import (
    NS_PER_DAY,
    TimeUuidFactory,
    day_bucket,
    direct_conversation_id,
    epoch_ns,
    parse_timeuuid,
    sort_key,
)

# 2000-01-01 .. 2100-01-01 in ns.
instants = st.integers(min_value=946_684_800 * 10**9, max_value=4_102_444_800 * 10**9)


@given(instants)
def test_epoch_round_trips_at_100ns(ns: int) -> None:
    value = TimeUuidFactory().new(ns)
    assert value.version == 1
    assert epoch_ns(value) == ns // 100 * 100
    assert day_bucket(value) == ns // NS_PER_DAY


@given(instants, instants)
def test_sort_key_orders_like_time(a: int, b: int) -> None:
    factory = TimeUuidFactory()
    first, second = factory.new(a), factory.new(b)
    if epoch_ns(first) != epoch_ns(second):
        assert (sort_key(first) < sort_key(second)) == (epoch_ns(first) < epoch_ns(second))


def test_one_factory_never_repeats_or_goes_back_even_for_one_instant() -> None:
    factory = TimeUuidFactory()
    ids = [factory.new(1_800_000_000 * 10**9) for _ in range(1000)]
    assert len(set(ids)) == 1000
    assert [sort_key(i) for i in ids] == sorted(sort_key(i) for i in ids)


def test_two_factories_draw_different_nodes() -> None:
    assert TimeUuidFactory().new(0).node != TimeUuidFactory().new(0).node


def test_parse_timeuuid_accepts_only_version_1() -> None:
    value = TimeUuidFactory().new()
    assert parse_timeuuid(str(value)) == value
    assert parse_timeuuid(str(value).upper()) == value
    assert parse_timeuuid(str(uuid.uuid4())) is None
    assert parse_timeuuid("not-a-uuid") is None
    assert parse_timeuuid("") is None


def test_direct_conversation_id_is_shared_by_both_participants() -> None:
    assert direct_conversation_id("ann", "bob") == direct_conversation_id("bob", "ann")
    assert direct_conversation_id("ann", "bob") != direct_conversation_id("ann", "bo")
