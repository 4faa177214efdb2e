"""Liveness and readiness probes, and the 503 every database-backed operation gives during an outage."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from wire import USERS

from people_api.app import create_app
from people_api.config import Settings
from people_api.storage import migrations

UNAVAILABLE = "The database is unavailable; retry shortly."
USER = f"{USERS}/{uuid.uuid4()}"


@pytest.fixture(params=["sqlite", "postgres"])
def outage_client(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FlaskClient]:
    """A client of an app whose database cannot be reached (a SQLite file that cannot be opened,
    or a PostgreSQL port nobody listens on)."""
    url = {
        "sqlite": f"sqlite:///{tmp_path / 'missing-directory' / 'people.db'}",
        "postgres": "postgresql+psycopg://nobody@127.0.0.1:1/none",
    }[request.param]
    app = create_app(Settings(database_url=url, statement_timeout=1))
    yield app.test_client()
    app.extensions["people_api.engine"].dispose()


def test_healthz_answers_ok(client: FlaskClient) -> None:
    """GET /healthz answers 200 {"status": "ok"}."""
    response = client.get("/healthz")

    assert (response.status_code, response.headers["Content-Type"]) == (200, "application/json")
    assert response.get_json() == {"status": "ok"}


def test_healthz_answers_ok_during_a_database_outage(outage_client: FlaskClient) -> None:
    """Liveness does not depend on the database: the process is alive, so do not restart it."""
    response = outage_client.get("/healthz")

    assert (response.status_code, response.get_json()) == (200, {"status": "ok"})


def test_readyz_answers_ready_while_the_database_answers(client: FlaskClient) -> None:
    """GET /readyz answers 200 {"status": "ready"} when a query succeeds."""
    response = client.get("/readyz")

    assert (response.status_code, response.headers["Content-Type"]) == (200, "application/json")
    assert response.get_json() == {"status": "ready"}


def test_readyz_is_503_during_a_database_outage(
    outage_client: FlaskClient, assert_problem: Callable[..., None]
) -> None:
    """Readiness answers a 503 problem with Retry-After, taking the instance out of rotation."""
    response = outage_client.get("/readyz")

    assert_problem(response, 503, UNAVAILABLE)
    assert response.headers["Retry-After"] == "5"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", USERS, None),
        ("POST", USERS, {"name": "John", "email": "john@example.com"}),
        ("GET", USER, None),
        ("PUT", USER, {"name": "John", "email": "john@example.com"}),
        ("PATCH", USER, {"name": "John"}),
        ("DELETE", USER, None),
    ],
    ids=["list", "create", "get", "replace", "update", "delete"],
)
def test_user_operations_are_503_during_a_database_outage(
    outage_client: FlaskClient,
    assert_problem: Callable[..., None],
    method: str,
    path: str,
    body: dict[str, str] | None,
) -> None:
    """Every users operation answers a retryable 503 problem, not a 500, while the database is away."""
    response = outage_client.open(path, method=method, json=body)

    assert_problem(response, 503, UNAVAILABLE)
    assert response.headers["Retry-After"] == "5"


def test_idempotent_create_is_503_during_a_database_outage(
    outage_client: FlaskClient, assert_problem: Callable[..., None]
) -> None:
    """A create with an Idempotency-Key fails the same retryable way when the key cannot be claimed."""
    response = outage_client.post(
        USERS,
        json={"name": "John", "email": "john@example.com"},
        headers={"Idempotency-Key": "k"},
    )

    assert_problem(response, 503, UNAVAILABLE)


def test_a_request_the_hung_database_never_answers_is_503_after_the_bound(
    hung_client: FlaskClient, assert_problem: Callable[..., None]
) -> None:
    """A server that stops answering costs a request the statement timeout plus half a second, then 503."""
    started = time.monotonic()
    response = hung_client.get("/people/v1/users")
    elapsed = time.monotonic() - started

    assert_problem(response, 503, UNAVAILABLE)
    assert response.headers["Retry-After"] == "5"
    assert 1.5 <= elapsed < 2.5, elapsed


@pytest.mark.parametrize(("path", "status"), [("/healthz", 200), ("/readyz", 503), ("/people/v1/users", 503)])
def test_once_the_database_hung_requests_answer_at_once(
    hung_client: FlaskClient, path: str, status: int
) -> None:
    """After one wait ran out, probes and database-backed requests no longer wait on the database at all."""
    hung_client.get("/people/v1/users")

    started = time.monotonic()
    response = hung_client.get(path)

    assert (response.status_code, time.monotonic() - started < 0.1) == (status, True)


@pytest.fixture
def unmigrated_client(empty_engine: Engine) -> Iterator[FlaskClient]:
    """A client of an app on a database with no schema at all (never `people-api db upgrade`d)."""
    app = create_app(Settings(database_url=empty_engine.url.render_as_string(hide_password=False)))
    yield app.test_client()
    app.extensions["people_api.engine"].dispose()


def test_readyz_is_503_saying_to_upgrade_while_the_database_has_no_schema(
    unmigrated_client: FlaskClient, assert_problem: Callable[..., None]
) -> None:
    """A database that answers but was never migrated is not ready: the detail says what to run."""
    response = unmigrated_client.get("/readyz")

    assert_problem(
        response,
        503,
        "The database schema is not up to date (at no schema; this version needs 0006): "
        "run `people-api db upgrade`.",
    )
    assert response.headers["Retry-After"] == "5"


def test_readyz_is_503_saying_to_upgrade_while_the_schema_is_behind(
    unmigrated_client: FlaskClient, empty_engine: Engine, assert_problem: Callable[..., None]
) -> None:
    """A half-migrated database (an older revision than this version's newest) is not ready either."""
    migrations.upgrade(empty_engine, "0003")

    response = unmigrated_client.get("/readyz")

    assert_problem(
        response,
        503,
        "The database schema is not up to date (at 0003; this version needs 0006): "
        "run `people-api db upgrade`.",
    )


def test_readyz_is_ready_on_a_schema_newer_than_this_version(
    unmigrated_client: FlaskClient, empty_engine: Engine
) -> None:
    """A revision these migrations do not know is a newer version's: during a rolling upgrade the older
    instances stay in rotation."""
    migrations.upgrade(empty_engine)
    with empty_engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))

    response = unmigrated_client.get("/readyz")

    assert (response.status_code, response.get_json()) == (200, {"status": "ready"})
