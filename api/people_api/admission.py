"""One request at a time runs the app in a serving process; the others wait their turn on a lock, and a
request gives its turn up while it waits for its body to arrive.

Python runs one thread at a time. When every thread of a worker runs the app at once, each one lets go
of the interpreter at every database call (sqlite3 does, around each row) and then queues behind the
others to get it back: with 16 threads per worker, creates ran at half the speed of one thread, lists
a quarter slower and p99 grew tenfold. A thread that waits here sleeps on a lock and asks nothing of the
interpreter. The threads are still needed, for what cannot be hurried: a body that trickles in holds
its thread until it ends, and a worker with more threads than such requests keeps answering everyone.

The liveness probe never waits for a turn: it must answer even while a turn is held by a request that
waits on a database that does not answer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from people_api.web.health import LIVENESS_PATH

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class OneAtATime:
    """`app`, run by one thread at a time; a thread waiting on the request body lets the next one run."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app
        self._turn = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        # Answered beside the turn-holder: the liveness probe touches nothing a request holds.
        if environ.get("PATH_INFO") == LIVENESS_PATH:
            return self.app(environ, start_response)
        turn = self._turn
        body = environ["wsgi.input"] = _BodyOffTurn(environ["wsgi.input"], turn)
        with turn:
            body.on_turn = True
            try:
                # A streamed response's chunks are made after this returns, off the turn: a client slow
                # to read them holds its own thread and nobody else's.
                return self.app(environ, start_response)
            finally:
                body.on_turn = False


class _BodyOffTurn:
    """The request body (wsgi.input), read with the turn given up and taken back after."""

    def __init__(self, stream: Any, turn: threading.Lock) -> None:
        self._stream = stream
        self._turn = turn
        self.on_turn = False

    def _off_turn(self, read: Callable[..., Any], *args: Any) -> Any:
        if not self.on_turn:
            return read(*args)
        self._turn.release()
        try:
            return read(*args)
        finally:
            self._turn.acquire()

    def read(self, *args: Any) -> bytes:
        return self._off_turn(self._stream.read, *args)  # type: ignore[no-any-return]

    def readline(self, *args: Any) -> bytes:
        return self._off_turn(self._stream.readline, *args)  # type: ignore[no-any-return]

    def readlines(self, *args: Any) -> list[bytes]:
        return self._off_turn(self._stream.readlines, *args)  # type: ignore[no-any-return]

    def __iter__(self) -> Any:
        return iter(self.readline, b"")
