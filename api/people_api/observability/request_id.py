"""X-Request-ID: one id per request, the client's own when well-formed, echoed on every response and
bound into every log record written while the request runs."""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar
from typing import Any

import flask
from apispec import APISpec, BasePlugin

HEADER = "X-Request-ID"
MAX_LENGTH = 200
# Visible ASCII only: no spaces, controls or bytes a log or a proxy could mangle.
_WELL_FORMED = re.compile(rf"[!-~]{{1,{MAX_LENGTH}}}")
# What the server sends back. A request may carry anything: an id of another shape is replaced, not
# refused, so the request parameter's schema is a plain string (a pattern there would promise a 400).
SCHEMA = {"type": "string", "minLength": 1, "maxLength": MAX_LENGTH, "pattern": "^[!-~]+$"}


# The header as the WSGI environ names it: read there, without building request.headers.
_ENVIRON_KEY = "HTTP_" + HEADER.upper().replace("-", "_")
# The id of the request this thread is serving, for every log record written meanwhile (the logs module).
CURRENT: ContextVar[str | None] = ContextVar("request_id", default=None)


def choose(offered: str | None) -> str:
    """The client's id when it is 1-200 visible ASCII characters, else a new one (a uuid4 in hex)."""
    if offered is not None and _WELL_FORMED.fullmatch(offered):
        return offered
    return uuid.uuid4().hex


def current() -> str:
    """The id of the request being served."""
    request_id = CURRENT.get()
    assert request_id is not None, "only while a request is served"
    return request_id


def assign() -> None:
    """Give the request its id: the client's own when well-formed, a new one otherwise."""
    CURRENT.set(choose(flask.request.environ.get(_ENVIRON_KEY)))


def echo(response: flask.Response) -> flask.Response:
    """Name the request's id on its response."""
    response.headers[HEADER] = current()
    return response


def forget(_error: BaseException | None) -> None:
    """Drop the id once the request is over."""
    # The thread serves other requests next; what it logs in between belongs to none of them.
    CURRENT.set(None)


class SpecPlugin(BasePlugin):
    """Documents X-Request-ID once for the whole spec: an optional request header on every operation
    and a response header on every response, the shared error responses included."""

    def init_spec(self, spec: APISpec) -> None:
        spec.components.parameter(
            HEADER,
            "header",
            {
                "name": HEADER,
                "required": False,
                "description": "An id for this request, echoed in the response and written in every "
                f"log line of the request. Kept when it is 1-{MAX_LENGTH} visible ASCII characters "
                "(`^[!-~]+$`); any other value is replaced by an id the server makes, not refused.",
                "schema": {"type": "string"},
                "example": "7f3c9a2e-checkout-42",
            },
        )
        spec.components.header(
            HEADER,
            {
                "description": "The request's id: the one sent, when well-formed, or one made by the server.",
                "required": True,
                "schema": SCHEMA,
            },
        )

    def operation_helper(
        self, path: str | None = None, operations: dict[str, Any] | None = None, **_kwargs: Any
    ) -> None:
        for operation in (operations or {}).values():
            operation.setdefault("parameters", []).append(HEADER)
            for response in operation.get("responses", {}).values():
                if isinstance(response, dict):  # a name refers to a component: response_helper did it
                    response.setdefault("headers", {})[HEADER] = HEADER

    def response_helper(self, response: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        return {"headers": {**response.get("headers", {}), HEADER: HEADER}}
