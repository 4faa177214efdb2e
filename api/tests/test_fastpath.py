"""HotStatement: a Core statement run on a Connection's driver cursor reads and writes what
Connection.execute would, fires the same cursor events, and fails as a Connection fails."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import flask
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from making import stored_user
from wire import USERS

from people_api.config import Settings
from people_api.storage import engines, tables
from people_api.storage.fastpath import HotStatement
from people_api.users.store import UserStore

_USERS = sa.select(
    tables.users.c.id, tables.users.c.name, tables.users.c.created_at, tables.users.c.seq
).order_by(tables.users.c.seq)
_NAMED = _USERS.where(tables.users.c.name == sa.bindparam("name")).limit(sa.bindparam("limit"))


@pytest.fixture
def engine(app: flask.Flask) -> sa.Engine:
    engine: sa.Engine = app.extensions["people_api.engine"]
    store = UserStore(engine)
    for number in range(3):
        stored_user(store, name="Ada" if number else "Grace", email=f"user{number}@example.com")
    return engine


def test_rows_are_what_a_connection_reads(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        expected = [list(row) for row in conn.execute(_NAMED, {"name": "Ada", "limit": 5})]

    rows = HotStatement(engine, _NAMED).all({"name": "Ada", "limit": 5})

    assert rows == expected


def test_ids_and_times_come_back_as_their_python_types(engine: sa.Engine) -> None:
    [row] = HotStatement(engine, _USERS.limit(1)).all({})

    assert isinstance(row[0], uuid.UUID)
    assert row[2].utcoffset() == timedelta(0)
    assert row[2] <= datetime.now(UTC)


def test_a_bound_value_is_converted_as_sqlalchemy_converts_it(engine: sa.Engine) -> None:
    user_id = HotStatement(engine, _USERS.limit(1)).all({})[0][0]
    by_id = sa.select(tables.users.c.email).where(tables.users.c.id == sa.bindparam("user_id"))

    assert HotStatement(engine, by_id).all({"user_id": user_id}) == [["user0@example.com"]]


def test_a_driver_error_is_raised_as_sqlalchemys(engine: sa.Engine) -> None:
    missing = sa.select(sa.table("no_such_table", sa.column("x")).c.x)

    with pytest.raises(sa.exc.DBAPIError) as raised:
        HotStatement(engine, missing).all({})

    assert isinstance(raised.value.orig, engine.dialect.loaded_dbapi.Error)


def test_a_database_that_cannot_be_reached_is_an_operational_error() -> None:
    engine = engines.create_engine(Settings(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none"))

    with pytest.raises(sa.exc.OperationalError):
        HotStatement(engine, _USERS).all({})


def test_a_connection_the_driver_reports_broken_leaves_the_pool(
    engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    statement = HotStatement(engine, sa.select(sa.table("no_such_table", sa.column("x")).c.x))
    with engine.connect() as conn:
        before = conn.connection.dbapi_connection
    monkeypatch.setattr(engine.dialect, "is_disconnect", lambda *_args: True)

    with pytest.raises(sa.exc.DBAPIError) as raised:
        statement.all({})

    assert raised.value.connection_invalidated
    with engine.connect() as conn:
        assert conn.connection.dbapi_connection is not before


_RENAME = (
    tables.users.update()
    .where(tables.users.c.email_key == sa.bindparam("key"))
    .values(name=sa.bindparam("new_name"), email_key=sa.bindparam("new_key"))
    .returning(tables.users.c.name)
)


def test_a_committed_write_returns_its_rows_and_stays(engine: sa.Engine) -> None:
    rename = {"key": "user0@example.com", "new_name": "Lin", "new_key": "lin@x"}

    rows = HotStatement(engine, _RENAME).commit(rename)

    assert rows == [["Lin"]]
    with engine.connect() as conn:
        stored = conn.execute(sa.select(tables.users.c.email_key).where(tables.users.c.name == "Lin")).all()
    assert stored == [("lin@x",)]


def test_a_write_that_breaks_a_constraint_is_an_integrity_error_and_changes_nothing(
    engine: sa.Engine,
) -> None:
    taken = {"key": "user0@example.com", "new_name": "Lin", "new_key": "user1@example.com"}

    with pytest.raises(sa.exc.IntegrityError):
        HotStatement(engine, _RENAME).commit(taken)

    with engine.connect() as conn:
        assert conn.execute(sa.select(tables.users.c.name).where(tables.users.c.name == "Lin")).all() == []


def test_a_statement_in_a_transaction_gives_its_rows_and_rowcount_and_rolls_back_with_it(
    engine: sa.Engine,
) -> None:
    rename = {"key": "user0@example.com", "new_name": "Lin", "new_key": "lin@x"}

    with engine.connect() as conn:
        transaction = conn.begin()
        ran = HotStatement(engine, _RENAME).on(conn, rename)
        transaction.rollback()

    assert (ran.rows, ran.rowcount) == ([["Lin"]], 1)
    with engine.connect() as conn:
        assert conn.execute(sa.select(tables.users.c.name).where(tables.users.c.name == "Lin")).all() == []


def test_cursor_listeners_see_a_statement_run_in_a_transaction(
    engine: sa.Engine, cursor_events: list[tuple[str, str]]
) -> None:
    with engine.connect() as conn, conn.begin():
        HotStatement(engine, _RENAME).on(conn, {"key": "nobody@example.com", "new_name": "-", "new_key": "-"})

    assert [(event, statement.split()[0]) for event, statement in cursor_events] == [
        ("before", "UPDATE"),
        ("after", "UPDATE"),
    ]


def test_a_listener_may_rewrite_the_statement_it_is_given(engine: sa.Engine) -> None:
    """before_cursor_execute listeners with retval=True change what runs, as they do for any execution."""

    def commented(*args: Any) -> tuple[str, Any]:
        return args[2] + " -- traced", args[3]

    sa.event.listen(engine, "before_cursor_execute", commented, retval=True)
    ran: list[str] = []
    sa.event.listen(engine, "after_cursor_execute", lambda *args: ran.append(args[2]))

    HotStatement(engine, _USERS.limit(1)).all({})

    assert [statement.endswith(" -- traced") for statement in ran] == [True]


def test_a_driver_error_in_a_transaction_is_raised_as_sqlalchemys(engine: sa.Engine) -> None:
    missing = sa.select(sa.table("no_such_table", sa.column("x")).c.x)

    with pytest.raises(sa.exc.DBAPIError), engine.connect() as conn, conn.begin():
        HotStatement(engine, missing).on(conn, {})


# What each hot request sends to the database, by a piece of its SQL (whitespace collapsed).
_HOT_REQUESTS = {
    "get": ("GET", "/{id}", {}, ["FROM users WHERE users.id ="]),
    "list page": ("GET", "?limit=20", {}, ["FROM users ORDER BY users.seq LIMIT"]),
    "create": ("POST", "", {}, ["INSERT INTO users"]),
    "keyed create": (
        "POST",
        "",
        {"Idempotency-Key": "k1"},
        ["INSERT INTO idempotency_keys", "INSERT INTO users"],
    ),
}


@pytest.mark.parametrize("request_kind", list(_HOT_REQUESTS))
def test_cursor_listeners_see_every_hot_statement(
    client: FlaskClient,
    make_user: Callable[..., dict[str, Any]],
    cursor_events: list[tuple[str, str]],
    request_kind: str,
) -> None:
    """A tracer listening to the engine's cursor events sees each hot request's statements, before and
    after they run."""
    method, path, headers, pieces = _HOT_REQUESTS[request_kind]
    user = make_user()
    cursor_events.clear()

    response = client.open(
        USERS + path.format(id=user["id"]),
        method=method,
        headers=headers,
        json={"name": "Grace", "email": "grace@example.com"} if method == "POST" else None,
    )

    assert response.status_code in (200, 201), response.get_data(as_text=True)
    for piece in pieces:
        assert [event for event, statement in cursor_events if piece in statement] == ["before", "after"], (
            piece,
            cursor_events,
        )
