"""Hot statements: a Core statement compiled once per engine and run on a Connection's driver cursor,
with SQLAlchemy's events, type conversions and exceptions.

A GET spent more of its time in SQLAlchemy's statement execution (the statement's cache key, an
execution context, a result object) than in its query, and a create as long again around its INSERT
and COMMIT (bench/report.md). Only that part is skipped. Every statement runs in a Connection
(checkout, pool reset and return are SQLAlchemy's own), and `_execute` is the one place where one
reaches the driver, in SQLAlchemy's order: the engine's before_cursor_execute listeners (a tracer)
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
        conn = self._engine.connect()
        try:
            return self._execute(conn, values, commit=False)[0]
        finally:
            conn.close()

    def commit(self, values: dict[str, Any]) -> list[list[Any]]:
        """Run the statement in a transaction of its own, commit, and return the rows it returned."""
        conn = self._engine.connect()
        try:
            return self._execute(conn, values, commit=True)[0]
        finally:
            conn.close()

    def on(self, conn: Connection, values: dict[str, Any]) -> Ran:
        """Run within the transaction `conn` is in; it commits or rolls back with it."""
        return Ran(*self._execute(conn, values, commit=False))

    def _execute(
        self, conn: Connection, values: dict[str, Any], *, commit: bool
    ) -> tuple[list[list[Any]], int]:
        """Run the statement on `conn`'s driver cursor as the module docstring says (and commit)."""
        statement, params = self._sql, self._parameters(values)
        dbapi_connection = conn.connection
        cursor = dbapi_connection.cursor()
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
                self._engine.dialect.do_commit(dbapi_connection)
            return ran
        except self._error as error:
            broken = bool(
                self._engine.dialect.is_disconnect(error, dbapi_connection.dbapi_connection, cursor)
            )
            if broken:
                conn.invalidate(error)  # through the Connection, so its transaction knows
            raise sa.exc.DBAPIError.instance(
                statement,
                params,
                error,
                self._error,
                hide_parameters=True,
                connection_invalidated=broken,
                dialect=self._engine.dialect,
                ismulti=False,
            ) from error
        finally:
            if not conn.invalidated:  # else closed with its connection
                cursor.close()

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
