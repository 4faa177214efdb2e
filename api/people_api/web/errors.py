"""The only error body: RFC 9457 problem+json, for every error the server can give."""

from __future__ import annotations

import http
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

import flask
import marshmallow as ma
from webargs.flaskparser import abort
from werkzeug.exceptions import HTTPException

from people_api.storage import outages

PROBLEM = "application/problem+json"
RETRY_AFTER_SECONDS = 5
_INVALID = "The request is not valid; see errors."
# The longest detail or message a problem carries, and the most messages per field.
MAX_TEXT = 1024
MAX_MESSAGES = 100


@dataclass(frozen=True, slots=True)
class _Problem:
    """One problem, before ProblemSchema writes it; type and title follow from the status."""

    status: int
    detail: str
    errors: Mapping[str, list[str]] | None = None
    type: str = "about:blank"

    @property
    def title(self) -> str:
        return http.HTTPStatus(self.status).phrase


class ProblemSchema(ma.Schema):
    """An RFC 9457 problem: what went wrong, and for validation failures, where."""

    # The bounds in metadata document what the server writes; nothing reads a problem back in.
    type = ma.fields.String(
        required=True,
        metadata={
            "description": "A URI naming the problem type.",
            "example": "about:blank",
            "format": "uri-reference",
            "maxLength": 2048,
        },
    )
    title = ma.fields.String(
        required=True,
        metadata={
            "description": "The HTTP status phrase.",
            "example": "Not Found",
            "maxLength": 64,
            "pattern": "^[A-Za-z][A-Za-z' -]*$",
        },
    )
    status = ma.fields.Integer(
        required=True,
        metadata={
            "description": "The HTTP status code.",
            "example": 404,
            "format": "int32",
            "minimum": 400,
            "maximum": 599,
        },
    )
    detail = ma.fields.String(
        required=True,
        metadata={
            "description": "What went wrong, for a human.",
            "example": "No user has this id.",
            "maxLength": MAX_TEXT,
        },
    )
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(
            ma.fields.String(metadata={"maxLength": MAX_TEXT}), metadata={"maxItems": MAX_MESSAGES}
        ),
        metadata={
            "description": "Validation messages by field name, for 400 responses.",
            "example": {"email": ["Not a valid email address."]},
        },
    )

    @ma.post_dump
    def _omit_empty_errors(self, body: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        # `errors` is there only when some field was wrong, never as null or {}.
        if not body.get("errors"):
            body.pop("errors", None)
        return body

    @ma.post_dump
    def _bounded(self, body: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        # The bounds above are a promise, whatever a library's message holds: email-validator lists
        # every character it refused, which for a fuzzer's input runs past 1024.
        body["detail"] = _shortened(body["detail"])
        if body.get("errors"):
            body["errors"] = {
                field: [_shortened(message) for message in messages[:MAX_MESSAGES]]
                for field, messages in body["errors"].items()
            }
        return body


def _shortened(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


_SCHEMA = ProblemSchema()


def raise_problem(status: int, detail: str, *, errors: Mapping[str, list[str]] | None = None) -> NoReturn:
    """Stop the request; the error handler answers it with this problem."""
    abort(status, message=detail, errors=errors)


def render_problem(
    status: int, detail: str | None = None, *, errors: Mapping[str, list[str]] | None = None
) -> flask.Response:
    """The problem+json Response for a status; `detail` defaults to the status's description."""
    problem = _Problem(status, detail or http.HTTPStatus(status).description, errors)
    return flask.Response(_SCHEMA.dumps(problem), status=status, mimetype=PROBLEM)


def render_http_exception(error: HTTPException) -> flask.Response:
    """Any HTTPException, raised by us, by webargs or by Flask/Werkzeug, as problem+json."""
    # webargs' abort (and so raise_problem) leaves message, errors, messages or headers in `data`.
    data: Mapping[str, Any] = getattr(error, "data", None) or {}
    errors = data.get("errors") or _field_errors(data.get("messages"))
    detail = data.get("message") or (_INVALID if errors else error.description)
    response = render_problem(error.code or 500, detail, errors=errors)
    # Werkzeug puts headers such as Allow (405) on the exception itself.
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers.add(name, value)
    for name, value in (data.get("headers") or {}).items():
        response.headers[name] = value
    return response


def _field_errors(messages: Any) -> dict[str, list[str]]:
    """Flatten webargs' {location: {field: [msg]}} into {field: [msg]}."""
    flat: dict[str, list[str]] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, Mapping):
            for key, inner in value.items():
                name = "body" if key == "_schema" else str(key)  # marshmallow's whole-body key
                walk(f"{prefix}.{name}" if prefix else name, inner)
        elif isinstance(value, list) and all(isinstance(item, str) for item in value):
            flat.setdefault(prefix or "body", []).extend(value)
        else:
            flat.setdefault(prefix or "body", []).append(str(value))

    if isinstance(messages, Mapping):
        for location_errors in messages.values():
            walk("", location_errors)
    return flat


def database_unavailable(error: Exception) -> flask.Response:
    """503 for a database that refused, dropped or timed out a connection or statement."""
    outages.failed(flask.current_app.extensions["people_api.engine"], error)  # logs an outage's first only
    response = render_problem(503, "The database is unavailable; retry shortly.")
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
