"""Response hygiene: headers every response needs, CORS for allowlisted origins only, and a bound
on the size of a request's URL and header fields."""

from __future__ import annotations

from typing import Any

import flask
from flask_cors import CORS
from werkzeug.exceptions import RequestEntityTooLarge, RequestHeaderFieldsTooLarge, RequestURITooLarge

from people_api.config import API_PREFIX, MAX_BODY_BYTES, Settings

# RFC 9112 asks servers to take request lines of at least 8000 octets. granian itself answers an
# empty-bodied 414 only past 64 KiB, and 431 past its 408 KiB header buffer or 100 fields.
MAX_URL_BYTES = 8 * 1024
MAX_HEADER_BYTES = 16 * 1024
_BARE = ("CONTENT_TYPE", "CONTENT_LENGTH")
# Answers that are only true when given: never stored by a cache.
PROBES = frozenset({"/healthz", "/readyz"})
# What a browser page on an allowed origin may send, and may read, beyond CORS' safelisted headers.
CORS_REQUEST_HEADERS = ("Authorization", "Content-Type", "Idempotency-Key", "If-Match", "If-None-Match")
CORS_EXPOSED_HEADERS = (
    "ETag",
    "Location",
    "Idempotent-Replayed",
    "Retry-After",
    "RateLimit",
    "RateLimit-Policy",
    "WWW-Authenticate",
    "X-Request-ID",
)
CORS_MAX_AGE_SECONDS = 600


def allow_cors(app: flask.Flask, settings: Settings) -> None:
    """Answer CORS only for the origins in PEOPLE_API_CORS_ORIGINS (none: no CORS at all)."""
    if settings.cors_origins:
        CORS(
            app,
            origins=list(settings.cors_origins),
            allow_headers=list(CORS_REQUEST_HEADERS),
            expose_headers=list(CORS_EXPOSED_HEADERS),
            max_age=CORS_MAX_AGE_SECONDS,
            supports_credentials=False,  # bearer tokens, never cookies
            send_wildcard=True,  # "*" allows any origin and says so, rather than echoing it
            always_send=False,  # only a request that names its Origin gets CORS headers
        )
        app.after_request(_vary_by_origin)


def refuse_oversized() -> None:
    """413, 414 or 431 for a request larger than this API takes, before anything reads it further."""
    environ = flask.request.environ
    url = sum(len(environ.get(key, "")) for key in ("SCRIPT_NAME", "PATH_INFO", "QUERY_STRING"))
    if url > MAX_URL_BYTES:
        raise RequestURITooLarge(f"The URL's path and query are longer than {MAX_URL_BYTES} bytes.")
    if _header_bytes(environ) > MAX_HEADER_BYTES:
        raise RequestHeaderFieldsTooLarge(f"The header fields are longer than {MAX_HEADER_BYTES} bytes.")
    # A declared length is refused here, before the API-key lookup; a chunked body is counted as it
    # is read (bodies.read_body), once the request is admitted.
    if "CONTENT_LENGTH" in environ:  # most requests (a GET) send none: then werkzeug's parse is spared
        declared = flask.request.content_length
        if declared is not None and declared > MAX_BODY_BYTES:
            raise RequestEntityTooLarge()


def _header_bytes(environ: dict[str, Any]) -> int:
    """The size of the request's header fields, names and values, read off the WSGI environ (cheaper
    than building `request.headers`): `HTTP_X_REQUEST_ID` was sent as `X-Request-ID`, 5 bytes
    shorter; Content-Type and Content-Length keep their lengths as CONTENT_TYPE and CONTENT_LENGTH."""
    sent = sum(len(key) - 5 + len(value) for key, value in environ.items() if key.startswith("HTTP_"))
    return sent + sum(len(key) + len(environ[key]) for key in _BARE if environ.get(key))


def _vary_by_origin(response: flask.Response) -> flask.Response:
    # With or without an Origin the answer differs (CORS fields or none), so a cache must key on it;
    # flask-cors leaves Vary out when one origin is configured.
    response.vary.add("Origin")
    return response


def label(response: flask.Response) -> flask.Response:
    """The headers every response carries: its type is as declared, and API answers are never cached."""
    # Browsers must not guess a type other than the one declared (a JSON body read as HTML).
    response.headers["X-Content-Type-Options"] = "nosniff"
    path = flask.request.path
    if response.status_code >= 400 or path.startswith(API_PREFIX) or path in PROBES:
        # User data, errors and probe answers: no cache, shared or private, keeps a copy.
        response.headers["Cache-Control"] = "no-store"
    return response
