"""Engines: one pooled Engine per app, tuned for the backend its URL names."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from people_api.config import Settings
from people_api.storage import outages, writelock

# Errors that mean the database is away or too slow for now, not that a statement is wrong: connection
# refused or lost, statement or lock timeout, pool exhausted, no turn to write on SQLite. The API answers
# them with a 503.
UNAVAILABLE: tuple[type[Exception], ...] = (
    sa.exc.OperationalError,
    sa.exc.InterfaceError,
    sa.exc.TimeoutError,
    writelock.TurnTimeout,
)


def create_engine(settings: Settings) -> Engine:
    """One pooled Engine per app, tuned for the backend in the URL."""
    url = sa.make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        # hide_parameters on both engines: an error's text would list the statement's parameters,
        # emails among them, and errors get logged.
        engine = sa.create_engine(
            url, connect_args={"timeout": settings.statement_timeout}, hide_parameters=True
        )

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            # WAL lets readers run beside the single writer.
            cursor.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode: a commit is in the WAL (the OS's page cache) before it is acknowledged,
            # so it survives any crash of the process, kill -9 included; the WAL is synced at each
            # checkpoint, so an OS crash or power loss can lose the last commits but never corrupts the
            # file. FULL's fsync per commit capped creates (bench/report.md); README "Durability".
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        writelock.install(engine, settings.statement_timeout)
        outages.install(engine)
        return engine
    timeout_ms = settings.statement_timeout * 1000
    engine = sa.create_engine(
        url,
        hide_parameters=True,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
        pool_timeout=settings.statement_timeout,
        connect_args={
            "connect_timeout": settings.statement_timeout,
            "options": f"-c statement_timeout={timeout_ms} -c lock_timeout={timeout_ms}",
        },
    )
    # The server's timeouts cannot fire while the server itself is stuck: bound every wait client-side too.
    # Imported here: psycopg (about 7 MB a process) stays out of processes serving SQLite.
    from people_api.storage import dbguard

    # The folder `serve` gives its workers (for their metrics) is where they share the guard's verdict.
    dbguard.install(engine, settings.statement_timeout, settings.metrics_dir)
    outages.install(engine)
    return engine
