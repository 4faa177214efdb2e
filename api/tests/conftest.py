"""Fixtures for the server tests: a fresh database per test on the engine PEOPLE_API_TEST_DB names."""

from __future__ import annotations

import contextlib
import dataclasses
import http
import json
import logging
import os
import queue
import shutil
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import flask
import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool
from werkzeug.test import TestResponse
from wire import PROBLEM, USERS

from people_api import cli
from people_api.access.api_keys import KeyStore
from people_api.app import create_app
from people_api.config import Settings
from people_api.observability import logs
from people_api.storage import engines, migrations, tables
from people_api.users.idempotency import Idempotency
from people_api.users.store import UserStore

ENGINES = ("sqlite", "postgres")
ENGINE = os.environ.get("PEOPLE_API_TEST_DB", "sqlite")
# Trust auth on the project's machines; the `test` database always exists and is only used to connect.
POSTGRES_ADMIN_URL = os.environ.get(
    "PEOPLE_API_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def pytest_configure(config: pytest.Config) -> None:
    """Refuse an engine name the suite does not know rather than silently testing SQLite."""
    if ENGINE not in ENGINES:
        raise pytest.UsageError(f"PEOPLE_API_TEST_DB must be one of {ENGINES}, got {ENGINE!r}")


def pytest_report_header() -> str:
    """Say which database engine this run exercises."""
    return f"people-api test database: {ENGINE}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """PostgreSQL-only tests belong to the postgres session; the SQLite session deselects them
    (they are not skipped: nothing is hidden, they simply do not apply to that engine)."""
    if ENGINE == "postgres":
        return
    deselected = [item for item in items if item.get_closest_marker("postgres")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("postgres")]


@dataclass(frozen=True)
class PostgresDatabase:
    """A throwaway database for one test session, already migrated to head."""

    url: str
    engine: Engine
    tables: tuple[str, ...]


@contextlib.contextmanager
def _scratch_postgres_database() -> Iterator[str]:
    """Create an empty people_test_<random>, yield its URL, and drop it afterwards."""
    admin = sa.create_engine(
        POSTGRES_ADMIN_URL,
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
        connect_args={"connect_timeout": 5},
    )
    try:
        with admin.connect():
            pass
    except sa.exc.OperationalError as error:
        message = f"PostgreSQL at {POSTGRES_ADMIN_URL} is unreachable: {error}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    name = f"people_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[PostgresDatabase]:
    """A database of its own for the session, migrated to head and dropped at the end."""
    with _scratch_postgres_database() as url:
        engine = sa.create_engine(url, poolclass=NullPool)
        try:
            migrations.upgrade(engine)
            tables = tuple(
                table for table in sa.inspect(engine).get_table_names() if table != "alembic_version"
            )
            yield PostgresDatabase(url=url, engine=engine, tables=tables)
        finally:
            engine.dispose()


@pytest.fixture
def empty_engine(tmp_path: Path) -> Iterator[Engine]:
    """An engine on a new database with no schema at all, on the engine under test: for migrations."""
    with contextlib.ExitStack() as stack:
        if ENGINE == "postgres":
            url = stack.enter_context(_scratch_postgres_database())
            engine = sa.create_engine(url, poolclass=NullPool)
        else:
            engine = sa.create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
        stack.callback(engine.dispose)
        yield engine


@pytest.fixture
def downgrade() -> Callable[[Engine, str], None]:
    """Take a database's schema back to a revision with Alembic (`people-api` itself never does)."""
    from alembic import command
    from alembic.config import Config as AlembicConfig

    def down(engine: Engine, revision: str) -> None:
        config = AlembicConfig()
        config.set_main_option("script_location", str(migrations._migrations_dir()))
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, revision)

    return down


@pytest.fixture(autouse=True)
def _logging_left_as_found() -> Iterator[None]:
    """Whatever sets up the JSON logs in a test (`serve`, importing people_api.wsgi, `json_logs`) is
    undone after it: the loggers people_api configures get their level, handlers and propagation back."""
    names = [None, *logs.dictconfig("info")["loggers"]]
    loggers = [logging.getLogger(name) for name in names]
    saved = [(logger, logger.level, logger.handlers[:], logger.propagate) for logger in loggers]
    yield
    for logger, level, handlers, propagate in saved:
        logger.setLevel(level)
        logger.handlers[:] = handlers
        logger.propagate = propagate


@pytest.fixture
def json_logs(capsys: pytest.CaptureFixture[str]) -> Callable[[], list[dict[str, Any]]]:
    """Call it for the lines written to stderr so far, each parsed as JSON. The test itself calls
    `logs.configure(...)` first: pytest gives the test body another sys.stderr than its fixtures."""

    def lines() -> list[dict[str, Any]]:
        return [json.loads(line) for line in capsys.readouterr().err.splitlines()]

    return lines


@pytest.fixture
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings pointing at an empty database: a new SQLite file, or the session's PostgreSQL truncated."""
    if ENGINE == "postgres":
        database: PostgresDatabase = request.getfixturevalue("postgres_database")
        with database.engine.begin() as conn:
            conn.execute(sa.text(f"TRUNCATE {', '.join(database.tables)} RESTART IDENTITY"))
        return Settings(database_url=database.url)
    return Settings(database_url=f"sqlite:///{tmp_path / 'people.db'}")


@pytest.fixture
def app(settings: Settings) -> Iterator[flask.Flask]:
    """The app as production builds it, with its schema migrated to head."""
    application = create_app(settings)
    engine: Engine = application.extensions["people_api.engine"]
    migrations.upgrade(engine)
    yield application
    engine.dispose()


@pytest.fixture
def make_app(settings: Settings) -> Iterator[Callable[..., flask.Flask]]:
    """Build the app with some settings changed (rate limits, CORS), over the test's migrated database."""
    built: list[flask.Flask] = []

    def make(**changes: Any) -> flask.Flask:
        application = create_app(dataclasses.replace(settings, **changes))
        migrations.upgrade(application.extensions["people_api.engine"])
        built.append(application)
        return application

    yield make
    for application in built:
        application.extensions["people_api.engine"].dispose()


@pytest.fixture
def sqlite_app(tmp_path: Path) -> Iterator[flask.Flask]:
    """The app on a SQLite file, whichever engine the session tests, with a one-second statement
    timeout: for what only the embedded database does (its writers' turns)."""
    application = create_app(
        Settings(database_url=f"sqlite:///{tmp_path / 'embedded.db'}", statement_timeout=1)
    )
    engine: Engine = application.extensions["people_api.engine"]
    migrations.upgrade(engine)
    yield application
    engine.dispose()


@pytest.fixture
def client(app: flask.Flask) -> FlaskClient:
    """An HTTP client that calls the app in process."""
    return app.test_client()


@pytest.fixture
def store(app: flask.Flask) -> UserStore:
    """The app's own UserStore, for SQL-level tests and for arranging data quickly."""
    user_store: UserStore = app.extensions["people_api.users"]
    return user_store


@pytest.fixture
def keys(app: flask.Flask) -> KeyStore:
    """The app's own API key store."""
    key_store: KeyStore = app.extensions["people_api.guard"].keys
    return key_store


@pytest.fixture
def make_token(keys: KeyStore) -> Callable[..., str]:
    """Store an API key with these scopes (read and write if none) and return its token.

    Make keys before the app's first request: an app that has seen no key asks again only a second later.
    """

    def make(*scopes: str, name: str = "test") -> str:
        _, token = keys.create(name, scopes or ("users:read", "users:write"))
        return token

    return make


class PeopleApiRunner(CliRunner):
    """A CliRunner bound to the `people-api` command group."""

    def run(self, *args: str, env: dict[str, str] | None = None) -> Result:
        """Invoke `people-api ARGS...`; unexpected exceptions propagate instead of hiding in the result."""
        return self.invoke(cli.main, list(args), env=env, catch_exceptions=False)


@pytest.fixture
def runner() -> PeopleApiRunner:
    """Runs the real `people-api` click group (app.test_cli_runner() would run `flask`)."""
    return PeopleApiRunner()


def _unique_email(prefix: str = "user") -> str:
    """An address no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex}@example.com"


@pytest.fixture
def unique_email() -> Callable[..., str]:
    """Make addresses no other test uses."""
    return _unique_email


@pytest.fixture
def make_user(client: FlaskClient) -> Callable[..., dict[str, Any]]:
    """POST a user (uuid-unique email unless overridden) and return the created JSON."""

    def make(**overrides: Any) -> dict[str, Any]:
        body = {"name": "Ada Lovelace", "email": _unique_email(), **overrides}
        response = client.post(USERS, json=body)
        assert response.status_code == 201, response.get_data(as_text=True)
        created: dict[str, Any] = response.get_json()
        return created

    return make


def _assert_problem(
    response: TestResponse,
    status: int,
    detail: str,
    *,
    errors: dict[str, list[str]] | None = None,
    fields: set[str] | None = None,
) -> None:
    """Assert an exact problem+json answer; `fields` checks only the names in `errors`."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == PROBLEM
    body = response.get_json()
    if fields is not None:
        assert set(body.pop("errors", {})) == fields
    expected: dict[str, Any] = {
        "type": "about:blank",
        "title": http.HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        expected["errors"] = errors
    assert body == expected


@pytest.fixture
def assert_problem() -> Callable[..., None]:
    """The exact-assertion helper for problem+json responses."""
    return _assert_problem


@pytest.fixture
def idempotency(app: flask.Flask) -> Idempotency:
    """The app's own Idempotency, for protocol-level tests."""
    keys: Idempotency = app.extensions["people_api.users.idempotency"]
    return keys


Ager = Callable[[str, str, timedelta], None]


@pytest.fixture
def age(app: flask.Flask) -> Ager:
    """Move a time column (`created_at`) of an idempotency key into the past, as if time had passed."""
    engine: Engine = app.extensions["people_api.engine"]

    def set_age(key: str, column: str, by: timedelta) -> None:
        with engine.begin() as conn:
            conn.execute(
                tables.idempotency_keys.update()
                .where(tables.idempotency_keys.c.key == key)
                .values({column: datetime.now(UTC) - by})
            )

    return set_age


class Elapse:
    """Time passing for the idempotency protocol: a process's monotonic clock, and every stored key's
    creation and claim times (the database's clock cannot be moved, so the rows are moved back)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._seconds = 0.0

    def clock(self) -> float:
        """The monotonic clock to give an Idempotency; it moves only when time is made to pass."""
        return self._seconds

    def __call__(self, by: timedelta) -> None:
        """Let `by` pass."""
        self._seconds += by.total_seconds()
        table = tables.idempotency_keys
        with self._engine.begin() as conn:
            for row in conn.execute(sa.select(table)).all():
                this = (table.c.api_key_id == row.api_key_id) & (table.c.key == row.key)
                moved = {"created_at": row.created_at - by, "locked_at": row.locked_at - by}
                conn.execute(table.update().where(this).values(moved))


@pytest.fixture
def elapse(app: flask.Flask) -> Elapse:
    """Make time pass for idempotency keys, in the database and on a clock an Idempotency can use."""
    return Elapse(app.extensions["people_api.engine"])


@pytest.fixture
def statements(app: flask.Flask) -> Iterator[list[str]]:
    """Every SQL statement the app's engine sends during the test, in order."""
    engine: Engine = app.extensions["people_api.engine"]
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    yield sent
    sa.event.remove(engine, "before_cursor_execute", record)


class ProcessDied(BaseException):
    """Stands in for a kill: nothing catches it, so what the request had claimed stays claimed."""


def _on_user_insert(action: Callable[[], None]) -> Callable[..., None]:
    def listener(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("INSERT INTO users"):
            action()

    return listener


@pytest.fixture
def abandon(app: flask.Flask) -> Callable[[str, dict[str, str]], None]:
    """Send a create with `key` and `body` whose process dies just after claiming the key, as it
    goes to store the user."""
    engine: Engine = app.extensions["people_api.engine"]

    def die() -> None:
        raise ProcessDied

    def abandon_claim(key: str, body: dict[str, str]) -> None:
        listener = _on_user_insert(die)
        sa.event.listen(engine, "before_cursor_execute", listener)
        try:
            with pytest.raises(ProcessDied):
                app.test_client().post(USERS, json=body, headers={"Idempotency-Key": key})
        finally:
            sa.event.remove(engine, "before_cursor_execute", listener)

    return abandon_claim


class HeldInserts:
    """User INSERTs stopped just before they run, each until the test lets it go."""

    def __init__(self) -> None:
        self._arrivals: queue.Queue[threading.Event] = queue.Queue()

    def next(self) -> threading.Event:
        """The next INSERT to arrive (within 10 s); set() the event to let it run."""
        return self._arrivals.get(timeout=10)

    def hold(self) -> None:
        go = threading.Event()
        self._arrivals.put(go)
        if not go.wait(10):
            raise TimeoutError("the test never let this INSERT run")


@pytest.fixture
def held_inserts(app: flask.Flask) -> Iterator[HeldInserts]:
    """Hold every INSERT INTO users (from any thread) until the test releases it."""
    engine: Engine = app.extensions["people_api.engine"]
    held = HeldInserts()
    listener = _on_user_insert(held.hold)
    sa.event.listen(engine, "before_cursor_execute", listener)
    yield held
    sa.event.remove(engine, "before_cursor_execute", listener)


@pytest.fixture
def claims(app: flask.Flask) -> Iterator[queue.Queue[None]]:
    """One item per Idempotency-Key claim (INSERT INTO idempotency_keys) as it goes to the database,
    from any thread, in order: `get(timeout=10)` waits for the next."""
    engine: Engine = app.extensions["people_api.engine"]
    arrivals: queue.Queue[None] = queue.Queue()

    def listener(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("INSERT INTO idempotency_keys"):
            arrivals.put(None)

    sa.event.listen(engine, "before_cursor_execute", listener)
    yield arrivals
    sa.event.remove(engine, "before_cursor_execute", listener)


@pytest.fixture
def cursor_events(app: flask.Flask) -> Iterator[list[tuple[str, str]]]:
    """Every statement the app's engine sends to the driver from now on, as cursor event listeners (a
    tracer's) see it: ("before", sql) and ("after", sql), in order, whitespace collapsed."""
    engine: Engine = app.extensions["people_api.engine"]
    seen: list[tuple[str, str]] = []

    def before(*args: Any) -> None:
        seen.append(("before", " ".join(args[2].split())))

    def after(*args: Any) -> None:
        seen.append(("after", " ".join(args[2].split())))

    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    yield seen
    sa.event.remove(engine, "before_cursor_execute", before)
    sa.event.remove(engine, "after_cursor_execute", after)


# The server's first answers to a PostgreSQL startup message: AuthenticationOk, then ReadyForQuery (idle).
_AUTHENTICATION_OK = b"R" + (8).to_bytes(4, "big") + (0).to_bytes(4, "big")
_READY_FOR_QUERY = b"Z" + (5).to_bytes(4, "big") + b"I"


@contextlib.contextmanager
def _silent_postgres(handshake: bool) -> Iterator[str]:
    """A loopback server that takes PostgreSQL connections and then never answers: a paused server or a
    network black hole, as a client sees one. With `handshake` it lets connections open first."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []

    def accept() -> None:
        with contextlib.suppress(OSError):  # the listener closed: the test is over
            while True:
                conn, _ = listener.accept()
                accepted.append(conn)
                if handshake:
                    length = int.from_bytes(conn.recv(4, socket.MSG_WAITALL), "big")
                    conn.recv(length - 4, socket.MSG_WAITALL)  # the startup message's parameters
                    conn.sendall(_AUTHENTICATION_OK + _READY_FOR_QUERY)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    port = listener.getsockname()[1]
    try:
        yield f"postgresql+psycopg://people@127.0.0.1:{port}/people?sslmode=disable&gssencmode=disable"
    finally:
        listener.shutdown(socket.SHUT_RDWR)  # wakes the accept(); close() alone would not
        listener.close()
        thread.join()
        for conn in accepted:
            conn.close()


@pytest.fixture
def hung_postgres_url() -> Iterator[str]:
    """The URL of a PostgreSQL server that opens connections and then never answers a query."""
    with _silent_postgres(handshake=True) as url:
        yield url


@pytest.fixture
def mute_postgres_url() -> Iterator[str]:
    """The URL of a PostgreSQL server that accepts TCP connections and never says a word."""
    with _silent_postgres(handshake=False) as url:
        yield url


@pytest.fixture
def mute_redis_url() -> Iterator[str]:
    """The URL of a Redis that accepts TCP connections and never says a word (a paused one, as its
    clients see it)."""
    with _silent_postgres(handshake=False) as url:
        yield f"redis://127.0.0.1:{sa.make_url(url).port}/0"


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """The URL of a redis-server of this test's own on a free port (missing: a failure under CI)."""
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server is not installed")
        pytest.skip("redis-server is not installed")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:  # until it listens
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            assert process.poll() is None, "redis-server exited"
            assert time.monotonic() < deadline, "redis-server did not listen within 10 s"
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def hung_engine(hung_postgres_url: str) -> Iterator[Engine]:
    """The production PostgreSQL engine (statement timeout 1 s) on a server that never answers a query."""
    engine = engines.create_engine(Settings(database_url=hung_postgres_url, statement_timeout=1))
    yield engine
    engine.dispose()


@pytest.fixture
def mute_engine(mute_postgres_url: str) -> Iterator[Engine]:
    """The production PostgreSQL engine (statement timeout 2 s) on a server that never lets one connect."""
    engine = engines.create_engine(Settings(database_url=mute_postgres_url, statement_timeout=2))
    yield engine
    engine.dispose()


@pytest.fixture
def hung_client(hung_postgres_url: str) -> Iterator[FlaskClient]:
    """A client of the app (statement timeout 1 s) whose PostgreSQL server never answers a query."""
    app = create_app(Settings(database_url=hung_postgres_url, statement_timeout=1))
    yield app.test_client()
    app.extensions["people_api.engine"].dispose()


@pytest.fixture
def deprecated_client(app: flask.Flask) -> FlaskClient:
    """A client of the app plus a throwaway blueprint (nothing real is deprecated): GET /old deprecated
    since 2026-12-01 with a sunset on 2027-06-30, GET /old/missing (404) likewise, GET /aging
    deprecated with no sunset set, and GET /current not deprecated."""
    from people_api.web.deprecation import deprecated
    from people_api.web.smorest import PeopleBlueprint

    blp = PeopleBlueprint("throwaway", __name__, url_prefix="/throwaway")
    since, sunset = date(2026, 12, 1), date(2027, 6, 30)

    @blp.route("/old")  # type: ignore[untyped-decorator]  # smorest ships no types
    @deprecated(blp, since=since, sunset=sunset)
    def old() -> str:
        return "old"

    @blp.route("/old/missing")  # type: ignore[untyped-decorator]  # smorest ships no types
    @deprecated(blp, since=since, sunset=sunset)
    def old_missing() -> str:
        flask.abort(404)

    @blp.route("/aging")  # type: ignore[untyped-decorator]  # smorest ships no types
    @deprecated(blp, since=since)
    def aging() -> str:
        return "aging"

    @blp.route("/current")  # type: ignore[untyped-decorator]  # smorest ships no types
    def current() -> str:
        return "current"

    app.extensions["people_api.api"].register_blueprint(blp)
    return app.test_client()
