"""flask-smorest, fitted to this API: blueprints that document problems, an Api that renders them."""

from __future__ import annotations

import http
from typing import Any

import flask
from flask_smorest import Api, Blueprint
from flask_smorest.utils import prepare_response
from werkzeug.exceptions import HTTPException

from people_api.web.errors import PROBLEM, ProblemSchema, render_http_exception
from people_api.web.parsing import RequestParser


class PeopleBlueprint(Blueprint):  # type: ignore[misc]
    """A smorest Blueprint whose arguments answer problem+json 400s and 415s."""

    ARGUMENTS_PARSER = RequestParser()

    def alt_response(self, status_code: int | str, **kwargs: Any) -> Any:
        """smorest's alt_response, documenting without wrapping: its wrapper only calls the view, so
        each documented response cost a call layer per request (five on a create). smorest keeps the
        documentation in the private `_apidoc`; api/tests/test_library_internals.py holds it to that."""
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

    def handle_http_exception(self, error: HTTPException) -> flask.Response:
        """smorest's hook for every HTTPException (404 and 405 included): answer problem+json."""
        return render_http_exception(error)

    def _register_responses(self) -> None:
        # Private smorest method, overridden because it registers the shared error responses (the 400
        # that @blp.arguments refers to) as application/json; ours are problem+json. No public hook
        # sets their content type alone; api/tests/test_library_internals.py holds the override to it.
        for status in http.HTTPStatus:
            if status < 400:
                continue
            response = {"description": status.phrase, "schema": self.ERROR_SCHEMA}
            prepare_response(response, self.spec, PROBLEM)
            self.spec.components.response(status.name, response, lazy=True)

    def _register_pagination_header(self) -> None:
        # Private smorest method, overridden because its offset pagination is unused (we page by
        # cursor) and registering its header would drag a PaginationMetadata schema into the spec
        # (held to it by api/tests/test_library_internals.py).
        return None
