"""Settings, read from the environment in exactly one place."""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.metadata import version
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit

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
    """An environment variable holds a value the service cannot use, or is not one it knows."""


@dataclass(frozen=True)
class Variable:
    """One environment variable the service reads: the Settings field it sets, and what it means."""

    name: str
    field: str
    help: str
    # A URL that may carry a password: shown with the password masked.
    secret: bool = False


VARIABLES = (
    Variable(
        PREFIX + "DATABASE_URL",
        "database_url",
        "SQLAlchemy URL: sqlite:///PATH (migrated at start) or postgresql+psycopg://...",
        secret=True,
    ),
    Variable(PREFIX + "HOST", "host", "Address `serve` binds (`--host` overrides)."),
    Variable(PREFIX + "PORT", "port", "Port `serve` listens on (`--port` overrides)."),
    Variable(
        PREFIX + "STATEMENT_TIMEOUT",
        "statement_timeout",
        "Seconds a statement may run before it is cancelled.",
    ),
    Variable(
        PREFIX + "PROTECTED_MODE",
        "protected_mode",
        "yes: with no API key, serve loopback addresses only; no: serve anyone, open.",
    ),
    Variable(
        PREFIX + "RATE_LIMIT", "rate_limit", "Requests per API key or address, e.g. 100/second;5000/minute."
    ),
    Variable(
        PREFIX + "RATE_LIMIT_STORAGE",
        "rate_limit_storage",
        "Where rate-limit counters live: memory:// (per process) or redis://HOST:PORT/DB.",
        secret=True,
    ),
    Variable(
        PREFIX + "RATE_LIMIT_KEY_PREFIX",
        "rate_limit_key_prefix",
        "Namespace of the counters, for deployments sharing one Redis.",
    ),
    Variable(
        PREFIX + "CORS_ORIGINS", "cors_origins", "Comma-separated origins whose pages may call the API."
    ),
    Variable(PREFIX + "LOG_LEVEL", "log_level", f"Least severe log record written: {', '.join(LOG_LEVELS)}."),
    Variable(
        "PROMETHEUS_MULTIPROC_DIR",
        "metrics_dir",
        "Folder where workers keep metrics for /metrics; `serve` sets it.",
    ),
)
# PEOPLE_API_* variables that are not the server's settings, so never reported as unknown: the
# client's (its README reads them) and those of this project's own test suites.
NOT_SETTINGS = frozenset({PREFIX + "URL", PREFIX + "TOKEN", PREFIX + "CONTRACT_TOKEN"})
NOT_SETTINGS_PREFIXES = (PREFIX + "TEST_",)
_MASK = "***"


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """Every PEOPLE_API_* variable set in `environ` that no setting reads: most likely a typo."""
    known = {variable.name for variable in VARIABLES} | NOT_SETTINGS
    return sorted(
        name
        for name in environ
        if name.startswith(PREFIX) and name not in known and not name.startswith(NOT_SETTINGS_PREFIXES)
    )


def _unknown_error(name: str) -> SettingsError:
    names = [variable.name for variable in VARIABLES]
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]}?" if close else f"the settings are {', '.join(names)}"
    return SettingsError(f"{name} is not a setting people-api knows ({hint})")


def masked(url: str) -> str:
    """`url` with any password (in user:password@ or a password= query parameter) replaced by ***."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return _MASK
    if password is None and "password=" not in parts.query:
        return url  # (rebuilding it would turn sqlite:///x into sqlite:/x)
    netloc = parts.netloc
    if password is not None:
        userinfo, _, hostinfo = netloc.rpartition("@")
        netloc = f"{userinfo.partition(':')[0]}:{_MASK}@{hostinfo}"
    query = parts.query
    if "password=" in query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(key, _MASK if key == "password" else value) for key, value in pairs], safe="*")
    return SplitResult(parts.scheme, netloc, parts.path, query, parts.fragment).geturl()


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
    name = PREFIX + "RATE_LIMIT_STORAGE"
    url = environ.get(name) or Settings.rate_limit_storage
    if not url.startswith(RATE_LIMIT_STORAGES):
        raise SettingsError(f"{name} must start with one of {', '.join(RATE_LIMIT_STORAGES)}")
    if url.startswith("redis"):
        problem = _redis_url_problem(url)
        if problem:
            raise SettingsError(f"{name} is not a usable Redis URL ({problem}): {masked(url)!r}")
    return url


def _redis_url_problem(url: str) -> str | None:
    """What makes a redis://, rediss:// or redis+unix:// URL unusable, or None: the checks a
    connection would only make at the first request, where a failure is a warning, not an error."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        return str(error)
    if parts.scheme == "redis+unix":
        return None if parts.path else "no socket path"
    if not parts.hostname:
        return "no host"
    if port == 0:
        return "port 0"
    database = parts.path.lstrip("/")
    if database and not database.isdigit():
        return f"the database must be a number, not {database!r}"
    return None


def _database_url(environ: Mapping[str, str]) -> str:
    name = PREFIX + "DATABASE_URL"
    url = environ.get(name) or Settings.database_url
    if not url.startswith(("sqlite", "postgresql")):
        raise SettingsError(f"{name} must be a sqlite or postgresql URL")
    try:
        urlsplit(url).port  # noqa: B018  (reading it is the check)
    except ValueError as error:
        raise SettingsError(f"{name} is not a usable URL ({error}): {masked(url)!r}") from None
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
    """Where users and API keys live: `sqlite:///path/people.db` (one machine; a relative path follows the
    current folder) or `postgresql+psycopg://user@host:5432/db` (any number of instances)."""
    host: str = "127.0.0.1"
    """The address `serve` binds; a non-loopback one needs an API key first (protected mode)."""
    port: int = 5001
    """The port `serve` binds."""
    statement_timeout: int = 5
    """Seconds (1-3600) a statement, a lock wait or a connection may take before the request answers 503."""
    protected_mode: bool = True
    """With no API key in the database, serve only loopback clients (as Redis does); `no` serves anyone,
    open, with a warning in the log (the same as `serve --no-protected-mode`)."""
    rate_limit: str | None = None
    """Requests each API key (or client address, without one) may make to `/people/v1/...`, in
    flask-limiter's notation: `100/second;5000/minute` (at most 5 limits, windows up to a year); unset:
    off."""
    rate_limit_storage: str = "memory://"
    """Where the counts live: `memory://` (each worker process counts alone) or `redis://host:6379/0`
    (`rediss://`, `redis+unix://`), shared by every worker and instance."""
    rate_limit_key_prefix: str = "people-api"
    """Namespace of the counts in that storage, so deployments sharing one Redis keep their own."""
    cors_origins: tuple[str, ...] = ()
    """Comma-separated origins whose browser pages may call the API (`https://app.example.com`), or `*`
    for any; unset: CORS off."""
    log_level: str = "info"
    """The least severe log record written: `debug`, `info`, `warning`, `error` or `critical`."""
    metrics_dir: str | None = None
    """Where each worker process keeps its metrics for `/metrics` to sum (prometheus-client's own variable,
    unprefixed: the library reads it too). `serve` sets its own; set it only under another multi-process
    WSGI server."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read PEOPLE_API_* variables; a bad value, or a variable no setting reads, fails naming it."""
        env = os.environ if environ is None else environ
        unknown = unknown_variables(env)
        if unknown:
            raise _unknown_error(unknown[0])
        url = _database_url(env)
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
