"""Settings.from_env: defaults, each variable, and bad values that fail naming the variable."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from people_api.config import Settings, SettingsError


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
