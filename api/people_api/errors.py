"""The only error body: RFC 9457 problem+json, for every error the server can give."""

from __future__ import annotations

import http
import json
from collections.abc import Mapping
from typing import Any, NoReturn

import flask
import marshmallow as ma
import sqlalchemy as sa
from flask_smorest import Api, Blueprint
from flask_smorest.utils import prepare_response
from webargs import core
from webargs.flaskparser import FlaskParser, abort
from werkzeug.exceptions import HTTPException

PROBLEM = "application/problem+json"
RETRY_AFTER_SECONDS = 5
# Media types a request body may use; anything else is 415. PATCH also takes a merge patch.
JSON_TYPES = frozenset({"application/json"})
PATCH_TYPES = JSON_TYPES | {"application/merge-patch+json"}


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


def problem(status: int, detail: str, *, errors: Mapping[str, list[str]] | None = None) -> NoReturn:
    """Stop the request with a problem response."""
    abort(status, message=detail, errors=errors)


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


def problem_body(status: int, detail: str | None, errors: Mapping[str, list[str]] | None = None) -> str:
    """The problem+json document for a status, as sent on the wire."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": http.HTTPStatus(status).phrase,
        "status": status,
        "detail": detail or http.HTTPStatus(status).description,
    }
    if errors:
        body["errors"] = errors
    return json.dumps(body)


def problem_reply(
    status: int, detail: str | None, errors: Mapping[str, list[str]] | None = None
) -> flask.Response:
    """A problem+json response, for views that return their errors rather than raise them."""
    return flask.Response(problem_body(status, detail, errors), status=status, mimetype=PROBLEM)


def database_unavailable(error: Exception) -> flask.Response:
    """503 for a database that refused, dropped or timed out a connection or statement."""
    flask.current_app.logger.warning("database unavailable: %s", error.__class__.__name__)
    response = problem_reply(503, "The database is unavailable; retry shortly.")
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def problem_response(error: HTTPException) -> flask.Response:
    """Render any HTTPException, raised by us or by Flask/Werkzeug, as problem+json."""
    status = error.code or 500
    data: Mapping[str, Any] = getattr(error, "data", None) or {}
    errors = data.get("errors") or _field_errors(data.get("messages"))
    detail = data.get("message") or ("The request is not valid; see errors." if errors else error.description)
    response = problem_reply(status, detail, errors)
    # Werkzeug puts headers such as Allow (405) on the exception itself.
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers.add(name, value)
    for name, value in (data.get("headers") or {}).items():
        response.headers[name] = value
    return response


class Parser(FlaskParser):
    """webargs parser answering 400 for bad input and 415 for a body that is not JSON."""

    DEFAULT_VALIDATION_STATUS = 400

    def load_json(self, req: flask.Request, schema: ma.Schema) -> Any:
        if req.mimetype not in (PATCH_TYPES if req.method == "PATCH" else JSON_TYPES):
            problem(415, "The request body must be JSON (Content-Type: application/json).")
        raw = req.get_data(cache=True)
        if not raw:
            return core.missing
        try:
            return json.loads(raw.decode("utf-8"))
        # ValueError covers bad syntax, bad UTF-8 and over-long integers;
        # RecursionError covers absurdly deep nesting.
        except (ValueError, RecursionError):
            abort(
                400, message="The request body is not valid JSON.", messages={"json": ["Invalid JSON body."]}
            )


class PeopleBlueprint(Blueprint):  # type: ignore[misc]
    """A smorest Blueprint whose arguments answer problem+json 400s."""

    ARGUMENTS_PARSER = Parser()

    def problem_response(self, status: int, description: str, headers: dict[str, Any] | None = None) -> Any:
        """Document that the operation may answer `status` with a problem."""
        return self.alt_response(
            status, schema=ProblemSchema, content_type=PROBLEM, description=description, headers=headers
        )

    def unavailable(self) -> Any:
        """Document the 503 every database-backed operation gives while the database is away."""
        return self.problem_response(
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

    def handle_http_exception(self, error: HTTPException) -> flask.Response:
        return problem_response(error)

    def _register_error_handlers(self) -> None:
        super()._register_error_handlers()
        # Connection refused or lost, statement or lock timeout, pool exhausted: all transient.
        for error in (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError):
            self._app.register_error_handler(error, database_unavailable)

    def _register_responses(self) -> None:
        # smorest registers its shared error responses as application/json; ours are problem+json.
        for status in http.HTTPStatus:
            if status < 400:
                continue
            response = {"description": status.phrase, "schema": self.ERROR_SCHEMA}
            prepare_response(response, self.spec, PROBLEM)
            self.spec.components.response(status.name, response, lazy=True)

    def _register_pagination_header(self) -> None:
        # smorest's offset pagination is unused (we page by cursor); registering its header
        # would drag an unused PaginationMetadata schema into the spec and the client.
        return None
