"""Hot statements: a Core statement compiled once per engine and run on a Connection's driver cursor,
with SQLAlchemy's events, type conversions and exceptions.

A GET spent more of its time in SQLAlchemy's statement execution (the statement's cache key, an
execution context, a result object) than in its query, and a create as long again around its INSERT
and COMMIT (bench/report.md). Only that part is skipped. Every statement runs on a connection of the
engine's pool (checkout, reset and return are SQLAlchemy's own), in a Connection whenever the engine
has a listener to hand one to, and `_execute` is the one place where one reaches the driver, in
SQLAlchemy's order: the engine's before_cursor_execute listeners (a tracer)
see it and may rewrite it, the dialect's do_execute listeners run (the SQLite writer's turn), the
dialect executes it, and the after_cursor_execute listeners see it. Listeners are given no execution
context (None), as SQLAlchemy gives them none for the statements it runs on a bare cursor. A driver
error becomes the exception a Connection would raise (the API answers those with 503s, a unique
violation with a 409), and a connection the driver reports broken is dropped from the pool.

`commit` commits on the driver connection: SQLAlchemy's transaction around one statement (its begin
and commit bookkeeping) added about 15 µs to a create, a sixth of its time in the store.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql.expression import ReturnsRows


@dataclass(frozen=True, slots=True)
class Ran:
    """What a statement run in a transaction gave: its rows (RETURNING), and how many it changed."""

    rows: list[list[Any]]
    rowcount: int


class HotStatement:
    """One statement (a SELECT, or a write with RETURNING) ready to run on `engine` again and again."""

    def __init__(self, engine: Engine, statement: ReturnsRows) -> None:
        dialect = engine.dialect
        compiled = statement.compile(dialect=dialect)
        self._engine = engine
        self._sql = compiled.string
        self._error = dialect.loaded_dbapi.Error
        # The engine's and its dialect's listeners, read per statement: one added later (a tracer) is
        # seen too.
        self._events = engine.dispatch
        self._dialect_events = dialect.dispatch
        # SQLite's driver takes parameters in order, psycopg by name.
        self._positional = compiled.positiontup is not None
        binds = {name: bind for bind, name in compiled.bind_names.items()}
        names = compiled.positiontup if compiled.positiontup is not None else list(binds)
        # A parameter the caller does not give keeps the statement's own value (SQLite's OFFSET 0).
        self._names = list(names)
        self._binds = [
            (name, bind.effective_value, bind.type.dialect_impl(dialect).bind_processor(dialect))
            for name, bind in ((name, binds[name]) for name in names)
        ]
        self._columns = [
            (position, processor)
            for position, column in enumerate(statement.exported_columns)
            if (processor := column.type.dialect_impl(dialect).result_processor(dialect, None)) is not None
        ]

    def all(self, values: dict[str, Any]) -> list[list[Any]]:
        """Every row the statement gives with these parameter values, outside any transaction."""
        return self._alone(values, commit=False)

    def commit(self, values: dict[str, Any]) -> list[list[Any]]:
        """Run the statement in a transaction of its own, commit, and return the rows it returned."""
        return self._alone(values, commit=True)

    def on(self, conn: Connection, values: dict[str, Any]) -> Ran:
        """Run within the transaction `conn` is in; it commits or rolls back with it."""
        return Ran(*self._execute(conn, conn.connection, values, commit=False))

    def _alone(self, values: dict[str, Any], *, commit: bool) -> list[list[Any]]:
        """Run on a connection of its own, from the pool and back to it."""
        if self._events.before_cursor_execute or self._events.after_cursor_execute:
            with self._engine.connect() as conn:  # the Connection the engine's listeners are handed
                return self._execute(conn, conn.connection, values, commit=commit)[0]
        # With no engine listener to hand it to, a Connection would cost a GET a tenth of its time.
        try:
            pooled = self._engine.raw_connection()
        except self._error as error:  # raised as Engine.connect raises it, so still a 503
            raise self._wrapped(error, self._sql, None, broken=False) from error
        try:
            return self._execute(None, pooled, values, commit=commit)[0]
        finally:
            pooled.close()

    def _execute(
        self, conn: Connection | None, pooled: PoolProxiedConnection, values: dict[str, Any], *, commit: bool
    ) -> tuple[list[list[Any]], int]:
        """Run the statement on `pooled`'s driver cursor as the module docstring says (and commit);
        `conn` is the Connection it is checked out to, if any."""
        statement, params = self._sql, self._parameters(values)
        cursor = pooled.cursor()
        try:
            events = self._events
            for listener in events.before_cursor_execute:
                statement, params = listener(conn, cursor, statement, params, None, False)
            for replacement in self._dialect_events.do_execute:
                if replacement(cursor, statement, params, None):
                    break  # the listener ran the statement itself
            else:
                self._engine.dialect.do_execute(cursor, statement, params, None)
            events.after_cursor_execute(conn, cursor, statement, params, None, False)
            # psycopg has no rows to fetch after a statement without RETURNING; sqlite3 gives [].
            rows = cursor.fetchall() if cursor.description is not None else []
            ran = self._converted(rows), cursor.rowcount
            if commit:
                self._engine.dialect.do_commit(pooled)
            return ran
        except self._error as error:
            broken = bool(self._engine.dialect.is_disconnect(error, pooled.dbapi_connection, cursor))
            if broken:
                (pooled if conn is None else conn).invalidate(error)  # a Connection's transaction knows
            raise self._wrapped(error, statement, params, broken=broken) from error
        finally:
            if pooled.is_valid:  # else closed with its connection
                cursor.close()

    def _wrapped(
        self, error: Exception, statement: str, params: Any, *, broken: bool
    ) -> sa.exc.StatementError:
        """The exception a Connection raises for this driver error."""
        return sa.exc.DBAPIError.instance(
            statement,
            params,
            error,
            self._error,
            hide_parameters=True,
            connection_invalidated=broken,
            dialect=self._engine.dialect,
            ismulti=False,
        )

    def _converted(self, rows: Sequence[Any]) -> list[list[Any]]:
        converted = [list(row) for row in rows]
        for row in converted:
            for position, processor in self._columns:
                row[position] = processor(row[position])
        return converted

    def _parameters(self, values: dict[str, Any]) -> Any:
        bound = []
        for name, default, processor in self._binds:
            value = values.get(name, default)
            bound.append(value if processor is None else processor(value))
        return bound if self._positional else dict(zip(self._names, bound, strict=True))
