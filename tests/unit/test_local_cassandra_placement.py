"""Where the local tooling's nodes sit: one ring, or one ring per data centre."""

from __future__ import annotations

from pathlib import Path

from tools.local_cassandra.localcassandra import Node, placement


def test_one_data_centre_keeps_evenly_spaced_tokens_and_one_seed(tmp_path: Path) -> None:
    (tmp_path / "first-ip").write_text("21")
    places = [placement(Node(i, tmp_path), 3) for i in (1, 2, 3)]
    assert {p.dc for p in places} == {"dc1"}
    assert [p.token for p in places] == [
        "-9223372036854775808", "-3074457345618258603", "3074457345618258602",
    ]  # fmt: skip
    assert {p.seeds for p in places} == {"127.0.0.21:7000"}


def test_two_data_centres_split_the_nodes_with_distinct_tokens_and_a_seed_each(
    tmp_path: Path,
) -> None:
    (tmp_path / "first-ip").write_text("31")
    (tmp_path / "dcs").write_text("2")
    places = [placement(Node(i, tmp_path), 4) for i in (1, 2, 3, 4)]
    assert [p.dc for p in places] == ["dc1", "dc1", "dc2", "dc2"]
    assert len({p.token for p in places}) == 4
    assert {p.seeds for p in places} == {"127.0.0.31:7000,127.0.0.33:7000"}
    assert [Node(i, tmp_path).address for i in (1, 4)] == ["127.0.0.31", "127.0.0.34"]
