"""One request at a time runs the app; a request waiting for its body, and the liveness probe, do not
hold anyone up."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from werkzeug.test import EnvironBuilder

from people_api.admission import OneAtATime

WAIT = 10  # seconds; only reached when a test fails


class Gate:
    """An app that holds each request until the test lets it go, counting how many are inside at once."""

    def __init__(self) -> None:
        self.entered = threading.Semaphore(0)
        self.release = threading.Event()
        self.inside = 0
        self.most_inside = 0
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        body = environ["wsgi.input"].read()  # first: the turn is given up while it is read
        with self._lock:
            self.inside += 1
            self.most_inside = max(self.most_inside, self.inside)
        self.entered.release()
        try:
            if environ["PATH_INFO"] != "/healthz":
                assert self.release.wait(WAIT)
        finally:
            with self._lock:
                self.inside -= 1
        start_response("200 OK", [])
        return [body]


class TrickledBody:
    """A request body whose bytes arrive only once the test sends them."""

    def __init__(self) -> None:
        self.arrived = threading.Event()

    def read(self, size: int = -1) -> bytes:
        assert self.arrived.wait(WAIT)
        return b"slow"

    def readline(self, size: int | None = -1) -> bytes:
        return self.read()

    def readlines(self, hint: int = -1) -> list[bytes]:
        return [self.read()]


def call(app: Callable[..., Iterable[bytes]], path: str = "/people/v1/users", body: Any = None) -> bytes:
    environ = EnvironBuilder(path=path, method="POST", data=b"fast").get_environ()
    if body is not None:
        environ["wsgi.input"] = body
    return b"".join(app(environ, lambda *_: None))


def in_thread(target: Callable[[], bytes]) -> tuple[threading.Thread, list[bytes]]:
    answers: list[bytes] = []
    thread = threading.Thread(target=lambda: answers.append(target()))
    thread.start()
    return thread, answers


def test_requests_run_the_app_one_at_a_time() -> None:
    gate = Gate()
    app = OneAtATime(gate)
    threads = [in_thread(lambda: call(app))[0] for _ in range(4)]
    assert gate.entered.acquire(timeout=WAIT)

    gate.release.set()
    for thread in threads:
        thread.join(WAIT)

    assert gate.most_inside == 1


READS: dict[str, Callable[[Any], bytes]] = {
    "read": lambda body: body.read(),
    "readline": lambda body: body.readline(),
    "readlines": lambda body: b"".join(body.readlines()),
    "iteration": lambda body: next(iter(body)),
}


@pytest.mark.parametrize("read", READS.values(), ids=READS.keys())
def test_a_request_waiting_for_its_body_lets_the_next_one_run(read: Callable[[Any], bytes]) -> None:
    def reader(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        start_response("200 OK", [])
        return [read(environ["wsgi.input"])]

    app = OneAtATime(reader)
    trickled = TrickledBody()
    slow, slow_answer = in_thread(lambda: call(app, body=trickled))

    assert call(app) == b"fast"
    trickled.arrived.set()
    slow.join(WAIT)
    assert slow_answer == [b"slow"]


def test_a_request_whose_body_arrived_waits_for_its_turn_before_going_on() -> None:
    fast_inside, fast_may_finish, slow_went_on = threading.Event(), threading.Event(), threading.Event()

    def app_(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        body = environ["wsgi.input"].read()
        if body == b"fast":
            fast_inside.set()
            assert fast_may_finish.wait(WAIT)
        else:
            slow_went_on.set()
        start_response("200 OK", [])
        return [body]

    app = OneAtATime(app_)
    trickled = TrickledBody()
    slow, _ = in_thread(lambda: call(app, body=trickled))
    fast, _ = in_thread(lambda: call(app))
    assert fast_inside.wait(WAIT)

    trickled.arrived.set()
    went_on_during_the_other_turn = slow_went_on.wait(0.2)
    fast_may_finish.set()
    for thread in (slow, fast):
        thread.join(WAIT)

    assert (went_on_during_the_other_turn, slow_went_on.is_set()) == (False, True)


def test_the_liveness_probe_is_answered_while_a_request_holds_the_turn() -> None:
    gate = Gate()
    app = OneAtATime(gate)
    held, _ = in_thread(lambda: call(app))
    assert gate.entered.acquire(timeout=WAIT)

    try:
        assert call(app, "/healthz") == b"fast"
    finally:
        gate.release.set()
        held.join(WAIT)


def test_a_request_that_fails_gives_its_turn_back() -> None:
    calls: list[str] = []

    def failing(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        calls.append(environ["PATH_INFO"])
        raise RuntimeError("the app failed")

    def fail_once_more() -> None:
        with contextlib.suppress(RuntimeError):
            call(app)

    app = OneAtATime(failing)
    with pytest.raises(RuntimeError):
        call(app)
    next_one = threading.Thread(target=fail_once_more, daemon=True)
    next_one.start()
    next_one.join(WAIT)

    assert len(calls) == 2  # the next request got in


def test_a_body_read_by_a_streamed_response_needs_no_turn() -> None:
    def streaming(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        start_response("200 OK", [])
        yield environ["wsgi.input"].read()  # runs once the app has returned, its turn given back

    assert call(OneAtATime(streaming)) == b"fast"
