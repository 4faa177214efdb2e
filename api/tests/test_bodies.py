"""Request bodies are read whole before any view: chunked ones are held to the same 1 MiB as those
with a Content-Length, reading no more than one byte past it."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from werkzeug.exceptions import RequestEntityTooLarge
from wire import USERS

from people_api.config import MAX_BODY_BYTES

CHUNKED = {"Transfer-Encoding": "chunked", "Content-Type": "application/json"}


class EndlessSpaces(io.RawIOBase):
    """A body of spaces that never ends, counting what was read from it, at most `chunk` bytes a read."""

    def __init__(self, chunk: int = 65536) -> None:
        self.read_bytes = 0
        self.chunk = chunk

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        size = min(len(buffer), self.chunk)
        buffer[:size] = b" " * size
        self.read_bytes += size
        return size


def send(client: FlaskClient, method: str, path: str, body: Any, headers: dict[str, str]) -> Any:
    """A request whose body is read from `body` as the WSGI server hands it over (which, like
    granian, ends a chunked body itself: wsgi.input_terminated)."""
    environ = {"wsgi.input": body, "wsgi.input_terminated": True}
    if "Content-Length" in headers:
        environ["CONTENT_LENGTH"] = headers["Content-Length"]
    return client.open(path, method=method, headers=headers, environ_overrides=environ)


def test_a_chunked_body_over_the_limit_is_413(
    client: FlaskClient, assert_problem: Callable[..., None]
) -> None:
    """Without a Content-Length, a body past 1 MiB answers 413 problem+json, like one that declares it."""
    response = send(client, "POST", USERS, EndlessSpaces(), CHUNKED)

    assert_problem(response, 413, RequestEntityTooLarge.description)
    assert response.headers["Connection"] == "close"


def test_a_chunked_body_over_the_limit_is_read_no_further_than_one_byte_past_it(client: FlaskClient) -> None:
    """Telling a body over the limit from one at it takes one byte past the limit, and no more."""
    stream = EndlessSpaces(chunk=1000)

    send(client, "PUT", f"{USERS}/0b6f4c1e-1b7e-4d8a-9c3e-6a2f5d4e3c21", stream, CHUNKED)

    assert stream.read_bytes == MAX_BODY_BYTES + 1


def test_a_chunked_body_within_the_limit_is_served(client: FlaskClient) -> None:
    """A chunked upload of a valid document creates the user, as with a Content-Length."""
    body = io.BytesIO(b'{"name": "Ada", "email": "ada@example.com"}')

    response = send(client, "POST", USERS, body, CHUNKED)

    assert (response.status_code, response.get_json()["email"]) == (201, "ada@example.com")


def test_an_unauthenticated_body_is_never_read(client: FlaskClient, make_token: Callable[..., str]) -> None:
    """Once keys exist, a request without one is refused (401) before its body is touched."""
    make_token()
    stream = EndlessSpaces()

    response = send(client, "POST", USERS, stream, CHUNKED)

    assert (response.status_code, stream.read_bytes) == (401, 0)


def test_a_get_body_is_left_unread(client: FlaskClient) -> None:
    """No view reads a GET's body, so none is read."""
    stream = EndlessSpaces()

    response = send(client, "GET", USERS, stream, {"Transfer-Encoding": "chunked"})

    assert (response.status_code, stream.read_bytes) == (200, 0)
