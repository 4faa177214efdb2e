"""A client-side clock on every PostgreSQL wait, and failing fast while the server does not answer.

The server's own statement_timeout cannot help when the server itself is stuck (paused, a hung host, a
network black hole), and TCP cannot tell either: a paused server's kernel still acknowledges every
packet, so keepalives and tcp_user_timeout never fire. Only a clock in the client notices.
"""

from __future__ import annotations

import logging
import mmap
import os
import threading
import time
from pathlib import Path
from typing import Any, TypeVar

import psycopg
import sqlalchemy as sa
from psycopg.abc import PQGen

RV = TypeVar("RV")

# Past the statement timeout, so the server's own cancellation (a clean, retryable error) comes first.
GRACE_SECONDS = 0.5
# How often, at most, a stuck guard lets one connection attempt through to see whether the server is back.
PROBE_INTERVAL_SECONDS = 1.0

log = logging.getLogger(__name__)
# In a server's shared folder: one byte, 1 while the database does not answer, for every worker at once.
SHARED_FILE = "database-stuck"


def _flag(shared_dir: str | None) -> bytearray | mmap.mmap:
    """Where a guard keeps "stuck": this process's memory, or a byte every worker of the server maps."""
    if shared_dir is None:
        return bytearray(1)
    fd = os.open(Path(shared_dir) / SHARED_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if os.fstat(fd).st_size < 1:
            os.ftruncate(fd, 1)
        return mmap.mmap(fd, 1)
    finally:
        os.close(fd)


class Guard:
    """One engine's view of whether its server answers, shared by every worker of a server when given
    the server's shared folder.

    After any wait runs out, new connections and waits on open ones fail at once instead of each waiting
    out its own timeout (so a hung server cannot hold every request thread, and the probes behind them),
    in this worker and, with the shared folder, in every other, until a connection attempt made in the
    background, at most once a PROBE_INTERVAL_SECONDS and only while requests keep coming, succeeds again.
    """

    def __init__(self, engine: sa.Engine, statement_timeout: int, shared_dir: str | None = None) -> None:
        self.engine = engine
        # Every wait on an open connection: one statement, its result, a commit, a pre-ping.
        self.bound = statement_timeout + GRACE_SECONDS
        self._stuck = _flag(shared_dir)
        self._lock = threading.Lock()
        self._probing = False
        self._next_probe = 0.0

    @property
    def stuck(self) -> bool:
        """Whether callers are refused at once (one worker found the server not answering)."""
        return self._stuck[0] == 1

    @stuck.setter
    def stuck(self, value: bool) -> None:
        self._stuck[0] = 1 if value else 0

    def connect(self, cargs: tuple[Any, ...], cparams: dict[str, Any]) -> BoundedConnection:
        """Open a connection for the pool, or refuse at once while the server is stuck."""
        if self.stuck:
            self._probe_soon(cargs, cparams)
            raise psycopg.OperationalError("the database is not answering; failing fast until it does")
        return self._dial(cargs, cparams)

    def trip(self) -> None:
        """The server did not answer in time: fail fast from now on."""
        with self._lock:
            if self.stuck:
                return
            self.stuck = True
            self._next_probe = time.monotonic() + PROBE_INTERVAL_SECONDS
        log.warning("the database did not answer within %g s; failing fast until it does", self.bound)
        # Pooled connections go too: each would otherwise wait out the bound on its pre-ping.
        self.engine.dispose()

    def _dial(self, cargs: tuple[Any, ...], cparams: dict[str, Any]) -> BoundedConnection:
        try:
            # connect_timeout (in cparams) bounds the whole handshake, on psycopg's own clock.
            connection = BoundedConnection.connect(*cargs, **cparams)
        except psycopg.errors.ConnectionTimeout:
            self.trip()
            raise
        connection.guard = self
        return connection

    def _probe_soon(self, cargs: tuple[Any, ...], cparams: dict[str, Any]) -> None:
        with self._lock:
            if self._probing or time.monotonic() < self._next_probe:
                return
            self._probing = True
        threading.Thread(target=self._probe, args=(cargs, cparams), name="db-probe", daemon=True).start()

    def _probe(self, cargs: tuple[Any, ...], cparams: dict[str, Any]) -> None:
        try:
            self._dial(cargs, cparams).close()
        except psycopg.Error:
            pass
        else:
            self.stuck = False
            log.warning("the database answers again")
        finally:
            with self._lock:
                self._probing = False
                self._next_probe = time.monotonic() + PROBE_INTERVAL_SECONDS


class BoundedConnection(psycopg.Connection[Any]):
    """A psycopg connection whose every wait on the server ends after its guard's bound."""

    guard: Guard

    def wait(self, gen: PQGen[RV], interval: float = 0.1, timeout: float | None = None) -> RV:
        if timeout is not None:  # psycopg's own bounded waits keep their bound
            return super().wait(gen, interval, timeout)
        if self.guard.stuck:  # another worker, or another thread, found the server not answering
            self.close()
            raise psycopg.OperationalError("the database is not answering; failing fast until it does")
        try:
            return super().wait(gen, interval, self.guard.bound)
        except psycopg.errors._WaitTimeout:
            # psycopg's own timeout is private (callers are to convert it, as here); no public error
            # tells it apart, and api/tests/test_library_internals.py holds it to its name and behaviour.
            # Cut off mid-protocol, the connection is unusable; closed, SQLAlchemy discards it.
            self.close()
            self.guard.trip()
            raise psycopg.OperationalError(
                f"the database did not answer within {self.guard.bound:g} s"
            ) from None


def install(engine: sa.Engine, statement_timeout: int, shared_dir: str | None = None) -> Guard:
    """Make every connection `engine` opens a BoundedConnection under one Guard (shared by the workers
    of a server through a file in `shared_dir`, when given)."""
    guard = Guard(engine, statement_timeout, shared_dir)

    @sa.event.listens_for(engine, "do_connect")
    def _connect(_dialect: Any, _record: Any, cargs: tuple[Any, ...], cparams: dict[str, Any]) -> Any:
        return guard.connect(cargs, cparams)

    return guard
