"""Database outages in the log: a warning when the database stops answering, one when it answers again.

Each process tells its own (so an outage writes two lines per worker, however many requests it fails),
at `warning`, so PEOPLE_API_LOG_LEVEL=error leaves both out.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from typing import Any

import sqlalchemy as sa

log = logging.getLogger(__name__)


class Outage:
    """Whether one engine's database is answering, as this process's requests found it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._since: float | None = None
        self._failed = 0

    def failed(self, error: Exception) -> None:
        """A request failed because the database did not answer; the first of an outage is logged."""
        with self._lock:
            self._failed += 1
            if self._since is not None:
                return
            self._since = time.monotonic()
        log.warning("database unavailable: %s", error.__class__.__name__)

    def answered(self, *_args: Any) -> None:
        """A connection was handed out (after its pre-ping, on PostgreSQL): the database answers."""
        if self._since is None:  # the usual case, one attribute read per checkout
            return
        with self._lock:
            if self._since is None:
                return
            lasted, failed = time.monotonic() - self._since, self._failed
            self._since, self._failed = None, 0
        log.warning(
            "database available again after %.1f s; %d requests were answered 503 meanwhile",
            lasted,
            failed,
            extra={"outage_seconds": round(lasted, 3), "unavailable_responses": failed},
        )


_OUTAGES: weakref.WeakKeyDictionary[sa.Engine, Outage] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def install(engine: sa.Engine) -> Outage:
    """Follow `engine`'s outages: every checkout tells that the database answers."""
    with _LOCK:
        outage = _OUTAGES.get(engine)
        if outage is None:
            outage = _OUTAGES[engine] = Outage()
            sa.event.listen(engine, "checkout", outage.answered)
    return outage


def failed(engine: sa.Engine, error: Exception) -> None:
    """Count a request `engine`'s database failed (a 503), logging only an outage's first."""
    install(engine).failed(error)
