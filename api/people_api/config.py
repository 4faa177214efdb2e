"""Settings, read from the environment in exactly one place."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.metadata import version

# Fixed by the contract, not configurable: the API's version, base path and largest request body.
API_VERSION = version("people-api")
# The versioned API: rate-limited, never cached, documented with its limits.
API_PREFIX = "/people/v1/"
MAX_BODY_BYTES = 1024 * 1024

PREFIX = "PEOPLE_API_"
# Rate-limit storages this installation can reach (flask-limiter[redis]); memory:// counts per process.
RATE_LIMIT_STORAGES = ("memory://", "redis://", "rediss://", "redis+unix://")
# Bounds that keep the rate-limit fields within what the spec documents for them.
MAX_RATE_LIMITS = 5
MAX_RATE_LIMIT_AMOUNT = 1_000_000_000
MAX_RATE_LIMIT_WINDOW = 360 * 24 * 3600  # limits' "1 year"
# An origin as browsers send it: scheme://host[:port], nothing after (and no character flask-cors
# would read as a regular expression).
ORIGIN_PATTERN = r"[a-z][a-z0-9+.-]{0,31}://[a-z0-9.-]{1,253}(:[0-9]{1,5})?"
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


def _rate_limit(environ: Mapping[str, str]) -> str | None:
    raw = environ.get(PREFIX + "RATE_LIMIT") or None
    if raw is None:
        return None
    name = PREFIX + "RATE_LIMIT"
    import limits  # only when a limit is set: workers that do not limit never load it

    try:
        parsed = limits.parse_many(raw)
    except ValueError:
        raise SettingsError(f"{name} must be like 100/second;5000/minute, got {raw!r}") from None
    if len(parsed) > MAX_RATE_LIMITS:
        raise SettingsError(f"{name} holds at most {MAX_RATE_LIMITS} limits, got {len(parsed)}")
    for item in parsed:
        if not 1 <= item.amount <= MAX_RATE_LIMIT_AMOUNT:
            raise SettingsError(f"{name} must allow 1 to {MAX_RATE_LIMIT_AMOUNT} requests, got {item}")
        if item.get_expiry() > MAX_RATE_LIMIT_WINDOW:
            raise SettingsError(f"{name} must have windows of at most a year, got {item}")
    return raw


def _rate_limit_storage(environ: Mapping[str, str]) -> str:
    url = environ.get(PREFIX + "RATE_LIMIT_STORAGE") or Settings.rate_limit_storage
    if not url.startswith(RATE_LIMIT_STORAGES):
        raise SettingsError(
            f"{PREFIX}RATE_LIMIT_STORAGE must start with one of {', '.join(RATE_LIMIT_STORAGES)}"
        )
    return url


def _cors_origins(environ: Mapping[str, str]) -> tuple[str, ...]:
    origins = tuple(o.strip() for o in (environ.get(PREFIX + "CORS_ORIGINS") or "").split(",") if o.strip())
    for origin in origins:
        if origin != "*" and not re.fullmatch(ORIGIN_PATTERN, origin):
            raise SettingsError(
                f"{PREFIX}CORS_ORIGINS must list origins like https://app.example.com (or *), got {origin!r}"
            )
    return origins


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
    # flask-limiter syntax ("100/second;5000/minute"), counted per API key or client address; None: off.
    rate_limit: str | None = None
    rate_limit_storage: str = "memory://"
    # Namespaces the counters, so deployments sharing one Redis keep their own.
    rate_limit_key_prefix: str = "people-api"
    # Origins whose browser pages may call the API (CORS); empty: CORS off.
    cors_origins: tuple[str, ...] = ()
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
            rate_limit=_rate_limit(env),
            rate_limit_storage=_rate_limit_storage(env),
            rate_limit_key_prefix=env.get(PREFIX + "RATE_LIMIT_KEY_PREFIX") or cls.rate_limit_key_prefix,
            cors_origins=_cors_origins(env),
            log_level=log_level,
            metrics_dir=env.get("PROMETHEUS_MULTIPROC_DIR") or None,
        )
