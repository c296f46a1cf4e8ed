import pytest

from chat_service.infra.settings import DEVELOPMENT_SECRET, SettingsError, load_settings

REAL_SECRET = "a-real-secret-long-enough-for-hs256-keys"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env from the checkout
    for name in (
        "APP_ENV",
        "JWT_SECRET",
        "CASSANDRA_PORT",
        "CASSANDRA_CONTACT_POINTS",
        "CASSANDRA_KEYSPACE",
    ):
        monkeypatch.delenv(name, raising=False)


def test_production_refuses_a_missing_secret() -> None:
    with pytest.raises(SettingsError, match=r"^invalid setting JWT_SECRET: "):
        load_settings()


@pytest.mark.parametrize("secret", ["change-me", "secret", DEVELOPMENT_SECRET])
def test_production_refuses_example_secrets(secret: str) -> None:
    with pytest.raises(SettingsError, match="JWT_SECRET"):
        load_settings(jwt_secret=secret)


def test_development_falls_back_to_a_built_in_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ENV", "development")
    assert load_settings().jwt_secret.get_secret_value() == DEVELOPMENT_SECRET


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(SettingsError, match="at least 32"):
        load_settings(jwt_secret="too-short")


def test_an_invalid_value_is_named_on_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASSANDRA_PORT", "ninety")
    with pytest.raises(SettingsError) as caught:
        load_settings(jwt_secret=REAL_SECRET)
    assert str(caught.value).startswith("invalid setting CASSANDRA_PORT:")
    assert "\n" not in str(caught.value)


def test_contact_points_and_dcs_are_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASSANDRA_CONTACT_POINTS", "10.0.0.1, 10.0.0.2")
    monkeypatch.setenv("CASSANDRA_REPLICATION_CLASS", "NetworkTopologyStrategy")
    monkeypatch.setenv("CASSANDRA_REPLICATION_DCS", "dc1:3,dc2:2")
    settings = load_settings(jwt_secret=REAL_SECRET)
    assert settings.cassandra_contact_points == ("10.0.0.1", "10.0.0.2")
    assert settings.replication == {"class": "NetworkTopologyStrategy", "dc1": 3, "dc2": 2}


def test_topology_strategy_needs_dcs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASSANDRA_REPLICATION_CLASS", "NetworkTopologyStrategy")
    with pytest.raises(SettingsError, match="CASSANDRA_REPLICATION_DCS"):
        load_settings(jwt_secret=REAL_SECRET)


def test_the_feed_of_ended_sessions_is_read_within_a_generations_trust(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SESSION_ENDS_POLL_S", "5")
    with pytest.raises(SettingsError, match="SESSION_ENDS_POLL_S must be below"):
        load_settings(jwt_secret=REAL_SECRET)
    monkeypatch.setenv("LOCAL_CACHE_SESSION_GENERATIONS_TTL_S", "6")
    assert load_settings(jwt_secret=REAL_SECRET).session_ends_poll_s == 5


def test_dot_env_is_read(tmp_path) -> None:
    (tmp_path / ".env").write_text(f"JWT_SECRET={REAL_SECRET}\nCASSANDRA_KEYSPACE=other\n")
    settings = load_settings()
    assert settings.cassandra_keyspace == "other"


def _example_keys() -> set[str]:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / ".env.example").read_text()
    return {
        line.split("=", 1)[0] for line in text.splitlines() if line and not line.startswith("#")
    }


def test_env_example_lists_every_setting_and_nothing_else() -> None:
    from chat_service.infra.settings import Settings

    assert _example_keys() == {name.upper() for name in Settings.model_fields}
