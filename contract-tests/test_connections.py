"""Idle and slow connections against real `people-api serve` processes: they do not shut other
clients out, idle ones are closed, and what only a proxy in front can bound is shown."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

from conftest import USERS, Siege, WriterServer
from pressure import Trickle, timed_get


def test_a_new_client_is_answered_within_2_s_while_2000_idle_connections_and_8_trickling_bodies_are_held(
    siege: Siege,
) -> None:
    """The default server keeps answering whoever else comes, whatever the siege holds."""
    status, seconds = timed_get(siege.server.port, f"{USERS}?limit=1", siege.server.token)

    assert (status, seconds < 2.0) == ("HTTP/1.1 200 OK", True), seconds


def test_an_idle_connection_is_closed_after_the_keep_alive_timeout(
    make_writer_server: Callable[..., WriterServer],
) -> None:
    """After its last answer, a connection that sends nothing more is closed at the keep-alive timeout."""
    server = make_writer_server("--keep-alive-timeout", "1")
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
        received = connection.recv(65536)
        answered = time.monotonic()
        # The rest of the answer, if it came in pieces, then nothing: the server closed the connection.
        while chunk := connection.recv(65536):
            received += chunk
        closed = time.monotonic()

    assert received.startswith(b"HTTP/1.1 200")
    assert 0.5 < closed - answered < 5


def test_a_trickling_body_holds_its_thread_until_it_has_all_arrived(
    make_writer_server: Callable[..., WriterServer],
) -> None:
    """The limit only a buffering proxy lifts: granian's body reads have no timeout, so a body sent a
    byte a second holds a thread until its last byte; with the only thread held, a new request waits."""
    server = make_writer_server("--threads", "1")
    trickle = Trickle(server.port, server.token, length=4)
    try:
        time.sleep(0.5)  # for the trickle's request to take the thread; nothing outside tells when
        status, seconds = timed_get(server.port, f"{USERS}?limit=1", server.token)
        trickle.answered.wait(10)
    finally:
        trickle.stop()

    assert (status, trickle.status) == ("HTTP/1.1 200 OK", "HTTP/1.1 400 Bad Request")
    assert 2.5 < seconds < 6
