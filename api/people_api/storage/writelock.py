"""One writer at a time on an embedded (SQLite) database, taking turns on a lock file beside it.

SQLite lets one connection write at a time and puts the others to sleep in its busy handler: 1 ms, then
2, 5, 10 and on to 100 ms between tries, however soon the writer is done, and a create holds the write
lock for about a tenth of a millisecond. Two workers creating users spent most of their waits asleep,
and a second worker added nothing (bench/report.md). Here a connection takes an exclusive flock on
`<database>-writer` before its first write and holds it until it goes back to the pool, after its commit
or rollback; a connection waiting for it tries again every 50 µs to 1 ms, so it writes within a fraction
of a millisecond of its turn, and gives up after the statement timeout with SQLite's own "database is
locked", which the API answers with a 503 as before.

Each pooled connection opens the file itself: flock excludes open files, not processes, so threads of
one worker take turns too. A process that dies drops its lock with its files. Writers that do not use
this (the sqlite3 shell) still meet SQLite's own lock and busy handler.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.pool import PoolProxiedConnection

# Where a pooled connection keeps its _Turns (its record's info).
_KEY = "people_api.storage.writelock"
# Statements that never write: a connection running them needs no turn.
_READS = ("SELECT", "PRAGMA")
_FIRST_PAUSE = 50e-6
_LONGEST_PAUSE = 1e-3


def install(engine: Engine, timeout: float) -> None:
    """Make every connection of `engine` (a SQLite file) take its turn before writing; wait at most
    `timeout` seconds for it."""
    database = engine.url.database
    if not database or database == ":memory:":
        return  # a database no other connection shares
    path = database + "-writer"

    @sa.event.listens_for(engine, "connect")
    def _open(_dbapi_connection: Any, record: Any) -> None:
        record.info[_KEY] = _Turns(os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644), timeout)

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _before_statement(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip()[:6].upper() not in _READS:
            take_turn(conn.connection)

    @sa.event.listens_for(engine, "checkin")
    def _end_turn(_dbapi_connection: Any, record: Any) -> None:
        turns = record.info.get(_KEY)
        if turns is not None:  # None once a broken connection was closed, before its checkin
            turns.end()

    @sa.event.listens_for(engine, "close")
    def _close(_dbapi_connection: Any, record: Any) -> None:
        record.info.pop(_KEY).close()  # closing the file drops the lock too


def take_turn(connection: PoolProxiedConnection) -> None:
    """Wait for this connection's turn to write, if its engine has writers take turns; it lasts
    until the connection goes back to the pool."""
    turns = connection.info.get(_KEY)
    if turns is not None:
        turns.take()


class _Turns:
    """One pooled connection's hold on the writer lock file."""

    def __init__(self, lock: int, timeout: float) -> None:
        self._lock = lock
        self._timeout = timeout
        self._holding = False

    def take(self) -> None:
        if self._holding:
            return
        give_up = time.monotonic() + self._timeout
        pause = _FIRST_PAUSE
        while True:
            try:
                fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= give_up:
                    raise sqlite3.OperationalError("database is locked") from None
                time.sleep(pause)
                pause = min(pause * 2, _LONGEST_PAUSE)
        self._holding = True

    def end(self) -> None:
        if self._holding:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._holding = False

    def close(self) -> None:
        self._holding = False
        os.close(self._lock)
