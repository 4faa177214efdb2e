"""One writer at a time on an embedded (SQLite) database, taking turns on a lock file beside it.

SQLite lets one connection write at a time and puts the others to sleep in its busy handler: 1 ms, then
2, 5, 10 and on to 100 ms between tries, however soon the writer is done, and a create holds the write
lock for about a tenth of a millisecond. Two workers creating users spent most of their waits asleep,
and a second worker added nothing (bench/report.md). Here a connection takes an exclusive flock on
`<database>-writer` before its first write and holds it until it goes back to the pool, after its commit
or rollback; a connection waiting for it tries again every 50 µs to 1 ms, so it writes within a fraction
of a millisecond of its turn, and gives up after the statement timeout with TurnTimeout, which the API
answers with a 503 like any database too busy to answer.

The turn is taken where the dialect hands a statement to the driver (SQLAlchemy's do_execute,
do_executemany and do_execute_no_params events), which every statement passes, SQLAlchemy's own and
storage.fastpath's alike. Listening there rather than to the engine's cursor events leaves the engine
with no connection-level listener, so a Connection costs what it costs without events.

Each pooled connection opens the file itself: flock excludes open files, not processes, so threads of
one worker take turns too. A process that dies drops its lock with its files. Writers that do not use
this (the sqlite3 shell) still meet SQLite's own lock and busy handler.
"""

from __future__ import annotations

import fcntl
import os
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

# Statements that never write: a connection running them needs no turn.
_READS = ("SELECT", "PRAGMA")
# Where the dialect runs a statement, a batch of them, or one without parameters.
_DRIVER_CALLS = ("do_execute", "do_executemany", "do_execute_no_params")
_FIRST_PAUSE = 50e-6
_LONGEST_PAUSE = 1e-3


class TurnTimeout(Exception):
    """The turn to write did not come within the statement timeout: the database is too busy for now."""


def install(engine: Engine, timeout: float) -> None:
    """Make every connection of `engine` (a SQLite file) take its turn before writing; wait at most
    `timeout` seconds for it."""
    database = engine.url.database
    if not database or database == ":memory:":
        return  # a database no other connection shares
    path = database + "-writer"
    # Each driver connection's hold, found from the cursor the dialect's events see.
    turns: dict[Any, _Turns] = {}

    @sa.event.listens_for(engine, "connect")
    def _open(dbapi_connection: Any, _record: Any) -> None:
        turns[dbapi_connection] = _Turns(os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644), timeout)

    def _before_statement(cursor: Any, statement: str, *_args: Any) -> bool:
        if statement.lstrip()[:6].upper() not in _READS:
            turns[cursor.connection].take()
        return False  # not run here: the dialect runs it next

    for driver_call in _DRIVER_CALLS:
        sa.event.listen(engine, driver_call, _before_statement)

    @sa.event.listens_for(engine, "checkin")
    def _end_turn(dbapi_connection: Any, _record: Any) -> None:
        held = turns.get(dbapi_connection)
        if held is not None:  # None once a broken connection was closed, before its checkin
            held.end()

    @sa.event.listens_for(engine, "close")
    def _close(dbapi_connection: Any, _record: Any) -> None:
        turns.pop(dbapi_connection).close()  # closing the file drops the lock too


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
                    raise TurnTimeout(f"no turn to write within {self._timeout:g} s") from None
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
