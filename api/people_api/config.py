"""Settings, read from the environment in exactly one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

PREFIX = "PEOPLE_API_"
LOG_LEVELS = ("debug", "info", "warning", "error", "critical")


class SettingsError(ValueError):
    """An environment variable holds a value the service cannot use."""


def _int(environ: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = environ.get(PREFIX + name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{PREFIX}{name} must be an integer, got {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{PREFIX}{name} must be between {low} and {high}, got {value}")
    return value


def _yes_no(environ: Mapping[str, str], name: str, default: bool) -> bool:
    raw = environ.get(PREFIX + name, "").strip().lower()
    if raw == "":
        return default
    if raw not in ("yes", "no"):
        raise SettingsError(f"{PREFIX}{name} must be yes or no, got {raw!r}")
    return raw == "yes"


@dataclass(frozen=True)
class Settings:
    """Everything the service can be told from outside; tests build it directly."""

    database_url: str = "sqlite:///./people.db"
    host: str = "127.0.0.1"
    port: int = 5001
    # Seconds a statement may run before the database cancels it.
    statement_timeout: int = 5
    # With no API key in the database, serve only loopback (as Redis does); `no` serves anyone, open.
    protected_mode: bool = True
    # The least severe log record written, one of LOG_LEVELS.
    log_level: str = "info"
    # Where each worker process keeps its metrics for /metrics to sum (prometheus-client's own variable,
    # unprefixed: the library reads it too); `serve` sets it, unset means one process.
    metrics_dir: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read PEOPLE_API_* variables; a bad value fails naming the variable."""
        env = os.environ if environ is None else environ
        url = env.get(PREFIX + "DATABASE_URL") or cls.database_url
        if not url.startswith(("sqlite", "postgresql")):
            raise SettingsError(f"{PREFIX}DATABASE_URL must be a sqlite or postgresql URL")
        log_level = (env.get(PREFIX + "LOG_LEVEL") or cls.log_level).lower()
        if log_level not in LOG_LEVELS:
            raise SettingsError(
                f"{PREFIX}LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {log_level!r}"
            )
        return cls(
            database_url=url,
            host=env.get(PREFIX + "HOST") or cls.host,
            port=_int(env, "PORT", cls.port, 1, 65535),
            statement_timeout=_int(env, "STATEMENT_TIMEOUT", cls.statement_timeout, 1, 3600),
            protected_mode=_yes_no(env, "PROTECTED_MODE", cls.protected_mode),
            log_level=log_level,
            metrics_dir=env.get("PROMETHEUS_MULTIPROC_DIR") or None,
        )
