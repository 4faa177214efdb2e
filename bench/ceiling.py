"""The ceiling: a raw WSGI callable with a fixed JSON body, served the same way as the API."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

BODY = b'{"id":"864d82a5-e4e2-4b17-8358-d0d66d34e470","name":"John","email":"john@example.com"}'
HEADERS = [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))]


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", HEADERS)
    return [BODY]
