"""The only error body: RFC 9457 problem+json, for every error the server can give."""

from __future__ import annotations

import http
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

import flask
import marshmallow as ma
import sqlalchemy as sa
from flask_smorest import Api, Blueprint
from flask_smorest.utils import prepare_response
from webargs.flaskparser import abort
from werkzeug.exceptions import HTTPException

from people_api.parsing import RequestParser

PROBLEM = "application/problem+json"
RETRY_AFTER_SECONDS = 5
_INVALID = "The request is not valid; see errors."


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
            "maxLength": 1024,
        },
    )
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String(metadata={"maxLength": 1024}), metadata={"maxItems": 100}),
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


def _database_unavailable(error: Exception) -> flask.Response:
    """503 for a database that refused, dropped or timed out a connection or statement."""
    flask.current_app.logger.warning("database unavailable: %s", error.__class__.__name__)
    response = render_problem(503, "The database is unavailable; retry shortly.")
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class PeopleBlueprint(Blueprint):  # type: ignore[misc]
    """A smorest Blueprint whose arguments answer problem+json 400s and 415s."""

    ARGUMENTS_PARSER = RequestParser()

    def alt_response(self, status_code: int | str, **kwargs: Any) -> Any:
        """smorest's alt_response, documenting without wrapping: its wrapper only calls the view, so
        each documented response cost a call layer per request (five on a create)."""
        document = super().alt_response(status_code, **kwargs)

        def decorator(func: Any) -> Any:
            func._apidoc = document(func)._apidoc
            return func

        return decorator

    def documents_problem(self, status: int, description: str, headers: dict[str, Any] | None = None) -> Any:
        """Decorator: the spec says the operation may answer `status` with a problem."""
        return self.alt_response(
            status, schema=ProblemSchema, content_type=PROBLEM, description=description, headers=headers
        )

    def documents_unavailable(self) -> Any:
        """Decorator: the spec lists the 503 a database-backed operation gives while the database is away."""
        return self.documents_problem(
            503,
            "The database is unavailable or too slow; retry after Retry-After seconds.",
            headers={
                "Retry-After": {
                    "description": "Seconds to wait before retrying.",
                    "schema": {"type": "integer", "format": "int32", "minimum": 0, "maximum": 3600},
                }
            },
        )


class PeopleApi(Api):  # type: ignore[misc]
    """smorest Api that documents and renders every error as problem+json."""

    ERROR_SCHEMA = ProblemSchema
    # Each operation lists exactly the errors it can return; no catch-all default.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def init_app(self, app: flask.Flask, **kwargs: Any) -> None:
        """smorest's setup, then a 503 for every database error that is transient."""
        super().init_app(app, **kwargs)
        # Connection refused or lost, statement or lock timeout, pool exhausted.
        for error in (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError):
            app.register_error_handler(error, _database_unavailable)

    def handle_http_exception(self, error: HTTPException) -> flask.Response:
        """smorest's hook for every HTTPException (404 and 405 included): answer problem+json."""
        return render_http_exception(error)

    def _register_responses(self) -> None:
        # Private smorest method, overridden because it registers the shared error responses (the 400
        # that @blp.arguments refers to) as application/json; ours are problem+json.
        for status in http.HTTPStatus:
            if status < 400:
                continue
            response = {"description": status.phrase, "schema": self.ERROR_SCHEMA}
            prepare_response(response, self.spec, PROBLEM)
            self.spec.components.response(status.name, response, lazy=True)

    def _register_pagination_header(self) -> None:
        # Private smorest method, overridden because its offset pagination is unused (we page by
        # cursor) and registering its header would drag a PaginationMetadata schema into the spec.
        return None
