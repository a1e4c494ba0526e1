"""Configuration comes from the environment with defaults that just run."""

from webapp import config, create_app


def test_secret_key_is_generated_once_into_instance(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("CANVASLINK_INSTANCE", str(tmp_path))
    first = create_app({"TESTING": True}).config["SECRET_KEY"]
    second = create_app({"TESTING": True}).config["SECRET_KEY"]
    assert len(first) >= 32 and first == second
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_database_url_defaults_to_sqlite_in_instance(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert config.from_environment(str(tmp_path))["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/canvaslink.db"


def test_postgres_urls_use_psycopg3(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgresql://canvaslink@db.example/canvaslink")
    uri = config.from_environment(str(tmp_path))["SQLALCHEMY_DATABASE_URI"]
    assert uri == "postgresql+psycopg://canvaslink@db.example/canvaslink"


def test_the_rto_time_zone_defaults_to_sydney_and_a_wrong_one_stops_the_app(monkeypatch, tmp_path):
    import pytest

    monkeypatch.delenv("CANVASLINK_TIME_ZONE", raising=False)
    assert config.from_environment(str(tmp_path))["RTO_TIME_ZONE"] == "Australia/Sydney"
    monkeypatch.setenv("CANVASLINK_TIME_ZONE", "Australia/Perth")
    assert config.from_environment(str(tmp_path))["RTO_TIME_ZONE"] == "Australia/Perth"
    monkeypatch.setenv("CANVASLINK_TIME_ZONE", "Australia/Atlantis")
    with pytest.raises(ValueError, match="CANVASLINK_TIME_ZONE='Australia/Atlantis' is not a time zone"):
        config.from_environment(str(tmp_path))


def test_log_format_and_level_are_checked_at_start(monkeypatch, tmp_path):
    import pytest

    monkeypatch.setenv("CANVASLINK_LOG_FORMAT", "JSON")
    monkeypatch.setenv("CANVASLINK_LOG_LEVEL", "debug")
    settings = config.from_environment(str(tmp_path))
    assert (settings["LOG_FORMAT"], settings["LOG_LEVEL"]) == ("json", "DEBUG")
    monkeypatch.setenv("CANVASLINK_LOG_FORMAT", "xml")
    with pytest.raises(SystemExit, match="CANVASLINK_LOG_FORMAT must be text or json, not “xml”"):
        config.from_environment(str(tmp_path))
