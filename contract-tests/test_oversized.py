"""Oversized requests against a real `people-api serve` (granian): what reaches the client.

Flask answers a problem+json 414 for a URL over 8 KiB and 431 for header fields over 16 KiB in all.
Past granian's own limits (a request target of 64 KiB; header fields past its 408 KiB read buffer,
where the exact cut-off depends on how the bytes arrive; 100 fields) granian answers first: the
same statuses, with an empty body. Never a 500."""

from __future__ import annotations

import json
import socket
import uuid
from urllib.parse import urlsplit

import httpx
import pytest
from conftest import SPEC_PATH, USERS
from recording import HTTP_METHODS

from people_api.web.hygiene import MAX_HEADER_BYTES, MAX_URL_BYTES

KIB = 1024


def exchange(server: str, head: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send one request head (no body) on a fresh connection; the status, header fields and body."""
    address = urlsplit(server)
    with socket.create_connection((address.hostname, address.port), timeout=30) as connection:
        connection.sendall(head + b"Host: test\r\nConnection: close\r\n\r\n")
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    status_line, *fields = received.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, value in (field.split(":", 1) for field in fields)}
    return int(status_line.split()[1]), headers, received.split(b"\r\n\r\n", 1)[1]


def get(path: str, fields: bytes = b"") -> bytes:
    return f"GET {path} HTTP/1.1\r\n".encode() + fields


@pytest.mark.parametrize(
    ("head", "status", "detail"),
    [
        (
            get(f"{USERS}?name={'a' * (9 * KIB)}"),
            414,
            f"The URL's path and query are longer than {MAX_URL_BYTES} bytes.",
        ),
        (
            get("/healthz", b"X-Filler: " + b"a" * (20 * KIB) + b"\r\n"),
            431,
            f"The header fields are longer than {MAX_HEADER_BYTES} bytes.",
        ),
    ],
    ids=["url-9KiB", "header-20KiB"],
)
def test_oversized_within_granians_limits_is_a_problem_from_the_app(
    server: str, head: bytes, status: int, detail: str
) -> None:
    """Over the app's bounds but inside granian's: a problem+json document with the right status."""
    answered, headers, body = exchange(server, head)

    assert (answered, headers["content-type"]) == (status, "application/problem+json")
    assert json.loads(body)["detail"] == detail


@pytest.mark.parametrize(
    ("head", "status"),
    [
        (get(f"{USERS}?name={'a' * (70 * KIB)}"), 414),
        (get("/healthz", b"X-Filler: " + b"a" * (1024 * KIB) + b"\r\n"), 431),
        (get("/healthz", b"".join(b"X-Field-%d: 1\r\n" % n for n in range(120))), 431),
    ],
    ids=["url-70KiB", "header-1MiB", "header-120-fields"],
)
def test_past_granians_limits_granian_answers_with_an_empty_body(
    server: str, head: bytes, status: int
) -> None:
    """Beyond what granian reads, it answers the status itself, with no body, and closes."""
    answered, headers, body = exchange(server, head)

    assert (answered, headers["content-length"], body) == (status, "0", b"")


def test_the_server_still_answers_after_oversized_requests(server: str) -> None:
    """Refusing huge requests leaves every worker serving."""
    for _ in range(3):
        exchange(server, get(f"{USERS}?name={'a' * (70 * KIB)}"))

    assert exchange(server, get("/healthz"))[0] == 200


# Every documented operation, as a request line: the refusals come before routing, access and bodies.
OPERATIONS = [
    (method.upper(), path.replace("{user_id}", str(uuid.uuid4())))
    for path, item in json.loads(SPEC_PATH.read_text(encoding="utf-8"))["paths"].items()
    for method in item
    if method in HTTP_METHODS
]


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[" ".join(op) for op in OPERATIONS])
def test_every_operation_answers_a_long_url_with_a_414_problem(
    raw: httpx.Client, method: str, path: str
) -> None:
    """The 414 every operation documents, as the client sees it."""
    response = raw.request(method, path, params={"padding": "a" * (9 * KIB)})

    assert (response.status_code, response.headers["content-type"]) == (414, "application/problem+json")


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[" ".join(op) for op in OPERATIONS])
def test_every_operation_answers_large_header_fields_with_a_431_problem(
    raw: httpx.Client, method: str, path: str
) -> None:
    """The 431 every operation documents, as the client sees it."""
    response = raw.request(method, path, headers={"X-Filler": "a" * (20 * KIB)})

    assert (response.status_code, response.headers["content-type"]) == (431, "application/problem+json")
