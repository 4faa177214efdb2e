"""Request bodies, read whole before any view and held to the size bound whether or not a
Content-Length was sent: a chunked body past the limit is 413 like one that declares its length, and
no more than one byte past the limit is ever read."""

from __future__ import annotations

import io
from typing import IO

import flask
from werkzeug.exceptions import RequestEntityTooLarge

from people_api.config import MAX_BODY_BYTES
from people_api.web.errors import render_problem

# The methods whose views read a body.
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def read_body() -> flask.Response | None:
    """Replace a chunked request's input with its whole body, or answer 413 without a view. A
    before_request hook after the access checks: only a request that may go on has its body read.

    werkzeug stops reading a chunked body at the limit without saying so: the view would parse the
    first MiB of a longer upload as if it were all of it.
    """
    request = flask.request
    if request.method not in BODY_METHODS:
        return None  # no view reads it
    if request.content_length is not None:  # None when chunked, whatever Content-Length says (RFC 9112)
        return None  # werkzeug reads that many bytes; hygiene.refuse_oversized refused too many
    environ = request.environ
    # One byte past the limit tells an oversized body from a full one.
    body = _read(environ["wsgi.input"], MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        # The rest is never read: the connection cannot carry another request after it.
        response = render_problem(413, RequestEntityTooLarge.description)
        response.headers["Connection"] = "close"
        return response
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    request.__dict__.pop("stream", None)  # werkzeug caches the stream it wrapped, should anything have asked
    return None


def _read(stream: IO[bytes], size: int) -> bytes:
    """Up to `size` bytes, fewer only at the end of the body (a read may return less than asked)."""
    parts: list[bytes] = []
    while size > 0 and (part := stream.read(size)):
        parts.append(part)
        size -= len(part)
    return b"".join(parts)
