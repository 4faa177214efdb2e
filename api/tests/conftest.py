"""Fixtures for the server tests: a fresh database per test on the engine PEOPLE_API_TEST_DB names."""

from __future__ import annotations

import dataclasses
import http
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
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

from people_api import cli, create_app, db
from people_api.config import Settings
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


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[PostgresDatabase]:
    """Create people_test_<random> for the session and drop it at the end."""
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
    url = sa.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        db.upgrade(engine)
        tables = tuple(table for table in sa.inspect(engine).get_table_names() if table != "alembic_version")
        yield PostgresDatabase(url=url, engine=engine, tables=tables)
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


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
    db.upgrade(engine)
    yield application
    engine.dispose()


@pytest.fixture
def make_app(settings: Settings) -> Iterator[Callable[..., flask.Flask]]:
    """Build the app with some settings changed (rate limits, CORS), over the test's migrated database."""
    built: list[flask.Flask] = []

    def make(**changes: Any) -> flask.Flask:
        application = create_app(dataclasses.replace(settings, **changes))
        db.upgrade(application.extensions["people_api.engine"])
        built.append(application)
        return application

    yield make
    for application in built:
        application.extensions["people_api.engine"].dispose()


@pytest.fixture
def client(app: flask.Flask) -> FlaskClient:
    """An HTTP client that calls the app in process."""
    return app.test_client()


@pytest.fixture
def store(app: flask.Flask) -> UserStore:
    """The app's own UserStore, for SQL-level tests and for arranging data quickly."""
    user_store: UserStore = app.extensions["people_api.users"]
    return user_store


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
