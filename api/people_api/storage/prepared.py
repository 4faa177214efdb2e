"""Hot statements that skip SQLAlchemy's Connection: a Core statement compiled once per engine and
run on one of the pool's driver connections, with SQLAlchemy's own type conversions and exceptions.

A GET spent more of its time in SQLAlchemy's Connection (checkout, the statement's cache key, an
execution context, a result) than in its query, and a create as long again around its INSERT and
COMMIT (bench/report.md). The pool stays as it is: connections are checked out (pinged on PostgreSQL),
reset and returned as before. A driver error becomes the exception a Connection would raise (the API
answers those with 503s, a unique violation with a 409), and a connection the driver reports broken is
dropped from the pool.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql.expression import ReturnsRows

from people_api.storage import writelock


@dataclass(frozen=True, slots=True)
class Ran:
    """What a statement run in a transaction gave: its rows (RETURNING), and how many it changed."""

    rows: list[list[Any]]
    rowcount: int


class Prepared:
    """One statement (a SELECT, or a write with RETURNING) ready to run on `engine` again and again."""

    def __init__(self, engine: Engine, statement: ReturnsRows) -> None:
        dialect = engine.dialect
        compiled = statement.compile(dialect=dialect)
        self._engine = engine
        self._sql = compiled.string
        # SQLite's driver takes parameters in order, psycopg by name.
        self._positional = compiled.positiontup is not None
        binds = {name: bind for bind, name in compiled.bind_names.items()}
        names = compiled.positiontup if compiled.positiontup is not None else list(binds)
        # A parameter the caller does not give keeps the statement's own value (SQLite's OFFSET 0).
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
        return self._converted(self._run(values, write=False))

    def commit(self, values: dict[str, Any]) -> list[list[Any]]:
        """Run the statement in a transaction of its own, commit, and return the rows it returned."""
        return self._converted(self._run(values, write=True))

    def on(self, conn: Connection, values: dict[str, Any]) -> Ran:
        """Run within the transaction `conn` is in, on its driver connection. SQLAlchemy's
        before_cursor_execute listeners see the statement as they see any (the SQLite writer's turn)."""
        statement, params = self._sql, self._parameters(values)
        cursor = conn.connection.cursor()
        try:
            for listener in conn.dispatch.before_cursor_execute:
                statement, params = listener(conn, cursor, statement, params, None, False)
            cursor.execute(statement, params)
            # psycopg has no rows to fetch after a statement without RETURNING; sqlite3 gives [].
            rows = cursor.fetchall() if cursor.description is not None else []
            return Ran(self._converted(rows), cursor.rowcount)
        except self._engine.dialect.loaded_dbapi.Error as error:
            broken = self._broken(conn.connection, cursor, error)
            if broken:
                conn.invalidate(error)  # through the Connection, so its transaction knows
            raise self._translated(error, params, invalidated=broken) from error
        finally:
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
            bound.append((name, value if processor is None else processor(value)))
        return [value for _, value in bound] if self._positional else dict(bound)

    def _run(self, values: dict[str, Any], *, write: bool) -> Sequence[Any]:
        engine = self._engine
        params = self._parameters(values)
        dbapi_error = engine.dialect.loaded_dbapi.Error
        try:
            connection = engine.raw_connection()
        except dbapi_error as error:
            raise self._translated(error, params, invalidated=False) from error
        cursor = None
        try:
            if write:
                writelock.take_turn(connection)
            cursor = connection.cursor()
            cursor.execute(self._sql, params)
            rows = cursor.fetchall()
            cursor.close()
            if write:
                connection.commit()
            return rows
        except dbapi_error as error:
            broken = self._broken(connection, cursor, error)
            if broken:
                connection.invalidate(error)
            raise self._translated(error, params, invalidated=broken) from error
        finally:
            connection.close()  # back to the pool, which rolls back whatever was not committed

    def _broken(self, connection: PoolProxiedConnection, cursor: Any, error: Any) -> bool:
        """Whether the driver says `error` left the connection unusable (it is then dropped from the pool)."""
        return bool(self._engine.dialect.is_disconnect(error, connection.dbapi_connection, cursor))

    def _translated(self, error: Exception, params: Any, *, invalidated: bool) -> Exception:
        return sa.exc.DBAPIError.instance(
            self._sql,
            params,
            error,
            self._engine.dialect.loaded_dbapi.Error,
            hide_parameters=True,
            connection_invalidated=invalidated,
            dialect=self._engine.dialect,
            ismulti=False,
        )
