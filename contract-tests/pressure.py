"""Clients that press on a server's connections: idle ones, bodies that trickle in, timed requests."""

from __future__ import annotations

import socket
import threading
import time

BODY_LENGTH = 100


def hold_idle(port: int, count: int) -> list[socket.socket]:
    """`count` connections to the server that never send anything."""
    return [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(count)]


def timed_get(port: int, path: str, token: str, timeout: float = 30.0) -> tuple[str, float]:
    """A new client's GET on a new connection: its status line (or the error) and the seconds it took."""
    start = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
            connection.sendall(
                f"GET {path} HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {token}\r\n"
                "Connection: close\r\n\r\n".encode()
            )
            status = connection.recv(4096).split(b"\r\n", 1)[0].decode()
    except OSError as error:
        status = f"{type(error).__name__}: {error}"
    return status, time.monotonic() - start


class Trickle:
    """A keyed create whose body of `length` bytes is sent a byte a second, until the server
    answers or closes; `answered` is set then, with `status` and `seconds` after the head was sent."""

    def __init__(self, port: int, token: str, length: int = BODY_LENGTH) -> None:
        self.length = length
        self.status = ""
        self.seconds = float("inf")
        self.answered = threading.Event()
        self._stopped = threading.Event()
        self._connection = socket.create_connection(("127.0.0.1", port), timeout=10)
        self._connection.sendall(
            f"POST /people/v1/users HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n".encode()
        )
        self._start = time.monotonic()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        self._connection.settimeout(1.0)  # the pace: a byte, then up to a second for an answer
        sent = 0
        for _ in range(self.length + 30):  # the whole body, then half a minute for its answer
            try:
                if sent < self.length:
                    self._connection.send(b" ")
                    sent += 1
                received = self._connection.recv(4096)
            except TimeoutError:
                if self._stopped.is_set():
                    return
                continue
            except OSError as error:
                self._answer(type(error).__name__)
                return
            self._answer(received.split(b"\r\n", 1)[0].decode() if received else "closed")
            return

    def _answer(self, status: str) -> None:
        self.status, self.seconds = status, time.monotonic() - self._start
        self.answered.set()

    def stop(self) -> None:
        self._stopped.set()
        self._connection.close()
        self._thread.join(timeout=5)
