"""Settings.from_env: defaults, each variable, and bad values that fail naming the variable."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from people_api.cli.settings import in_force
from people_api.config import VARIABLES, Settings, SettingsError, masked


def test_from_env_defaults_to_the_embedded_setup() -> None:
    """With nothing set: SQLite at ./people.db, 127.0.0.1:5001, 5 s statement timeout."""
    assert Settings.from_env({}) == Settings(
        database_url="sqlite:///./people.db", host="127.0.0.1", port=5001, statement_timeout=5
    )


def test_from_env_treats_empty_values_as_unset() -> None:
    """A variable exported as an empty string means the default, not an error."""
    environ = {
        "PEOPLE_API_DATABASE_URL": "",
        "PEOPLE_API_HOST": "",
        "PEOPLE_API_PORT": "",
        "PEOPLE_API_STATEMENT_TIMEOUT": "",
        "PEOPLE_API_LOG_LEVEL": "",
        "PROMETHEUS_MULTIPROC_DIR": "",
        "PEOPLE_API_PROTECTED_MODE": "",
        "PEOPLE_API_RATE_LIMIT": "",
        "PEOPLE_API_RATE_LIMIT_STORAGE": "",
        "PEOPLE_API_RATE_LIMIT_KEY_PREFIX": "",
        "PEOPLE_API_CORS_ORIGINS": "",
    }

    assert Settings.from_env(environ) == Settings()


@pytest.mark.parametrize(
    ("variable", "value", "field", "expected"),
    [
        ("DATABASE_URL", "sqlite:////srv/people.db", "database_url", "sqlite:////srv/people.db"),
        (
            "DATABASE_URL",
            "postgresql+psycopg://app@db.internal:5432/people",
            "database_url",
            "postgresql+psycopg://app@db.internal:5432/people",
        ),
        ("HOST", "0.0.0.0", "host", "0.0.0.0"),
        ("PORT", "8080", "port", 8080),
        ("PORT", "1", "port", 1),
        ("PORT", "65535", "port", 65535),
        ("STATEMENT_TIMEOUT", "30", "statement_timeout", 30),
        ("STATEMENT_TIMEOUT", "3600", "statement_timeout", 3600),
        ("LOG_LEVEL", "debug", "log_level", "debug"),
        ("LOG_LEVEL", "WARNING", "log_level", "warning"),
        ("PROTECTED_MODE", "no", "protected_mode", False),
        ("PROTECTED_MODE", "No", "protected_mode", False),
        ("PROTECTED_MODE", "yes", "protected_mode", True),
        ("RATE_LIMIT", "100/second;5000/minute", "rate_limit", "100/second;5000/minute"),
        ("RATE_LIMIT", "1000000000 per 1 year", "rate_limit", "1000000000 per 1 year"),
        ("RATE_LIMIT_STORAGE", "redis://127.0.0.1:6379/0", "rate_limit_storage", "redis://127.0.0.1:6379/0"),
        ("RATE_LIMIT_STORAGE", "memory://", "rate_limit_storage", "memory://"),
        ("RATE_LIMIT_KEY_PREFIX", "staging", "rate_limit_key_prefix", "staging"),
        ("CORS_ORIGINS", "https://app.example.com", "cors_origins", ("https://app.example.com",)),
        (
            "CORS_ORIGINS",
            "https://a.example.com, http://localhost:3000",
            "cors_origins",
            ("https://a.example.com", "http://localhost:3000"),
        ),
        ("CORS_ORIGINS", "*", "cors_origins", ("*",)),
    ],
)
def test_from_env_reads_each_variable(variable: str, value: str, field: str, expected: Any) -> None:
    """Each PEOPLE_API_* variable sets its own field and leaves the others at their defaults."""
    settings = Settings.from_env({f"PEOPLE_API_{variable}": value})

    assert settings == dataclasses.replace(Settings(), **{field: expected})


def test_from_env_reads_prometheus_clients_own_variable_for_the_metrics_directory() -> None:
    """PROMETHEUS_MULTIPROC_DIR, unprefixed as prometheus-client reads it, names the metrics directory."""
    settings = Settings.from_env({"PROMETHEUS_MULTIPROC_DIR": "/run/people-api/metrics"})

    assert settings.metrics_dir == "/run/people-api/metrics"


def test_from_env_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without an explicit mapping, from_env reads the process environment."""
    monkeypatch.setenv("PEOPLE_API_PORT", "6001")

    assert Settings.from_env().port == 6001


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "mysql://root@localhost/people"),
        ("DATABASE_URL", "people.db"),
        ("PORT", "http"),
        ("PORT", "50.5"),
        ("PORT", "0"),
        ("PORT", "65536"),
        ("PORT", "-1"),
        ("STATEMENT_TIMEOUT", "soon"),
        ("STATEMENT_TIMEOUT", "0"),
        ("STATEMENT_TIMEOUT", "3601"),
        ("LOG_LEVEL", "verbose"),
        ("LOG_LEVEL", "notset"),
        ("PROTECTED_MODE", "off"),
        ("PROTECTED_MODE", "0"),
        ("RATE_LIMIT", "lots"),
        ("RATE_LIMIT", "100/fortnight"),
        ("RATE_LIMIT", "0/second"),
        ("RATE_LIMIT", "1000000001/second"),
        ("RATE_LIMIT", "10 per 2 years"),
        ("RATE_LIMIT", "1/second;2/second;3/second;4/second;5/second;6/second"),
        ("RATE_LIMIT_STORAGE", "memcached://127.0.0.1:11211"),
        ("RATE_LIMIT_STORAGE", "127.0.0.1:6379"),
        ("CORS_ORIGINS", "https://app.example.com/"),
        ("CORS_ORIGINS", "app.example.com"),
        ("CORS_ORIGINS", "https://*.example.com"),
        ("CORS_ORIGINS", "https://App.Example.com"),
    ],
)
def test_from_env_rejects_bad_values_naming_the_variable(variable: str, value: str) -> None:
    """A value the service cannot use raises SettingsError whose message names the variable."""
    with pytest.raises(SettingsError, match=f"^PEOPLE_API_{variable} "):
        Settings.from_env({f"PEOPLE_API_{variable}": value})


def test_settings_error_is_a_value_error() -> None:
    """Callers that catch ValueError also catch bad settings."""
    assert issubclass(SettingsError, ValueError)


def test_settings_are_immutable() -> None:
    """Settings are frozen: nothing can change them after startup."""
    settings = Settings()

    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.port = 1  # type: ignore[misc]


def test_from_env_rejects_an_unknown_people_api_variable_suggesting_the_setting() -> None:
    """A mistyped PEOPLE_API_* name fails, naming it and the setting it most resembles."""
    with pytest.raises(
        SettingsError, match=r"^PEOPLE_API_PROT_MODE is not a setting .*PEOPLE_API_PROTECTED_MODE\?"
    ):
        Settings.from_env({"PEOPLE_API_PROT_MODE": "no"})


@pytest.mark.parametrize(
    "variable", ["PEOPLE_API_URL", "PEOPLE_API_TOKEN", "PEOPLE_API_CONTRACT_TOKEN", "PEOPLE_API_TEST_DB"]
)
def test_from_env_leaves_the_clients_and_test_suites_variables_alone(variable: str) -> None:
    """Variables the client and this project's tests read share the prefix but are no typo."""
    assert Settings.from_env({variable: "x"}) == Settings()


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("redis://:secret@localhost:63a9/0", "Port could not be cast to integer value as '63a9'"),
        ("redis://:secret@localhost:6379/zero", "the database must be a number, not 'zero'"),
        ("redis://:6379", "no host"),
        ("redis+unix://", "no socket path"),
    ],
)
def test_from_env_rejects_an_unparsable_redis_url_masking_its_password(url: str, problem: str) -> None:
    """A Redis URL a connection could not use fails at start, saying why, with no password shown."""
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"PEOPLE_API_RATE_LIMIT_STORAGE": url})

    assert str(raised.value).startswith(
        f"PEOPLE_API_RATE_LIMIT_STORAGE is not a usable Redis URL ({problem}): "
    )
    assert "secret" not in str(raised.value)


@pytest.mark.parametrize(
    "url",
    [
        "redis://localhost",
        "redis://:pw@redis.internal:6379/2",
        "rediss://u:pw@h:6380",
        "redis+unix:///run/r.sock",
    ],
)
def test_from_env_accepts_usable_redis_urls(url: str) -> None:
    """Host, port, database, TLS and a Unix socket are all fine."""
    assert Settings.from_env({"PEOPLE_API_RATE_LIMIT_STORAGE": url}).rate_limit_storage == url


def test_from_env_rejects_a_database_url_with_a_bad_port() -> None:
    """A PostgreSQL URL whose port is not a number fails naming the variable."""
    with pytest.raises(
        SettingsError, match=r"^PEOPLE_API_DATABASE_URL is not a usable URL .*'postgresql://u:\*\*\*@h:x/db'"
    ):
        Settings.from_env({"PEOPLE_API_DATABASE_URL": "postgresql://u:pw@h:x/db"})


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql+psycopg://app:s3cret@db:5432/people", "postgresql+psycopg://app:***@db:5432/people"),
        ("redis://:s3cret@redis:6379/0", "redis://:***@redis:6379/0"),
        (
            "postgresql://db/people?password=s3cret&sslmode=require",
            "postgresql://db/people?password=***&sslmode=require",
        ),
        ("postgresql+psycopg://app@db/people", "postgresql+psycopg://app@db/people"),
        ("sqlite:///./people.db", "sqlite:///./people.db"),
        ("memory://", "memory://"),
    ],
)
def test_masked_hides_only_passwords(url: str, shown: str) -> None:
    """Passwords in the user part or a password= parameter become ***; the rest is kept as written."""
    assert masked(url) == shown


def test_in_force_says_which_settings_come_from_the_environment() -> None:
    """A variable that is set is `environment`; the others are `default`."""
    rows = {row.variable.name: row for row in in_force({"PEOPLE_API_PORT": "8080"})}

    assert (rows["PEOPLE_API_PORT"].shown, rows["PEOPLE_API_PORT"].source) == ("8080", "environment")
    assert (rows["PEOPLE_API_HOST"].shown, rows["PEOPLE_API_HOST"].source) == ("127.0.0.1", "default")


def test_in_force_names_the_file_a_relative_sqlite_url_means(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """./people.db follows the working directory, so the file it means is shown beside it."""
    monkeypatch.chdir(tmp_path)

    rows = {row.variable.name: row for row in in_force({})}

    assert (
        rows["PEOPLE_API_DATABASE_URL"].shown == f"sqlite:///./people.db (the file {tmp_path / 'people.db'})"
    )


def test_every_settings_field_has_its_variable() -> None:
    """VARIABLES covers Settings exactly, so `people-api config` and the docs list every setting."""
    assert sorted(variable.field for variable in VARIABLES) == sorted(
        field.name for field in dataclasses.fields(Settings)
    )
