"""problem+json for every error the server can give, including those no view raises."""

from __future__ import annotations

import http
import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.exceptions import (
    BadRequest,
    HTTPException,
    InternalServerError,
    MethodNotAllowed,
    NotFound,
    RequestEntityTooLarge,
    default_exceptions,
)
from wire import USERS

from people_api.config import MAX_BODY_BYTES
from people_api.users.store import UserStore
from people_api.web.errors import PROBLEM, ProblemSchema, render_http_exception, render_problem

INVALID_JSON = "The request body is not valid JSON."
NOT_JSON = "The request body must be JSON (Content-Type: application/json)."


def test_unknown_path_is_404_problem(client: FlaskClient, assert_problem: Callable[..., None]) -> None:
    """A path no route matches answers 404 problem+json, not Flask's HTML page."""
    response = client.get("/people/v2/users")

    assert_problem(response, 404, NotFound.description)


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", USERS, {"GET", "HEAD", "OPTIONS", "POST"}),
        ("POST", f"{USERS}/{uuid.uuid4()}", {"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "PUT"}),
        ("POST", "/", {"GET", "HEAD", "OPTIONS"}),
    ],
    ids=["collection", "item", "home"],
)
def test_wrong_method_is_405_with_allow_header(
    client: FlaskClient, assert_problem: Callable[..., None], method: str, path: str, allowed: set[str]
) -> None:
    """A method the route does not serve answers 405 problem+json listing the allowed ones in Allow."""
    response = client.open(path, method=method)

    assert_problem(response, 405, MethodNotAllowed.description)
    assert set(response.headers["Allow"].split(", ")) == allowed


def test_body_over_one_mebibyte_is_413(client: FlaskClient, assert_problem: Callable[..., None]) -> None:
    """A body one byte over 1 MiB answers 413 problem+json before it is parsed."""
    response = client.post(USERS, data=b" " * (MAX_BODY_BYTES + 1), content_type="application/json")

    assert_problem(response, 413, RequestEntityTooLarge.description)


def test_body_of_exactly_one_mebibyte_is_read(
    client: FlaskClient, assert_problem: Callable[..., None]
) -> None:
    """A body of exactly 1 MiB is within the limit: it is parsed and judged on its content (400 here)."""
    prefix, suffix = b'{"email": "big@example.com", "name": "', b'"}'
    body = prefix + b"a" * (MAX_BODY_BYTES - len(prefix) - len(suffix)) + suffix

    response = client.post(USERS, data=body, content_type="application/json")

    assert_problem(response, 400, "The request is not valid; see errors.", fields={"name"})


@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Type": "text/plain"},
        {"Content-Type": "application/x-www-form-urlencoded"},
        {"Content-Type": "application/xml"},
        {},
    ],
    ids=["text-plain", "form", "xml", "no-content-type"],
)
def test_non_json_body_is_415(
    client: FlaskClient, assert_problem: Callable[..., None], headers: dict[str, str]
) -> None:
    """A body declared as anything but JSON, or not declared at all, answers 415."""
    response = client.post(USERS, data='{"name": "John", "email": "john@example.com"}', headers=headers)

    assert_problem(response, 415, NOT_JSON)


@pytest.mark.parametrize(
    "body",
    [
        b'{"name": "John", "email": ',
        b"{'name': 'John'}",
        b"1" * 5000,
        b"[" * 100_000,
        b'{"name": "J\xffhn", "email": "john@example.com"}',
        b"\xef\xbb\xbf{}",
    ],
    ids=["truncated", "single-quotes", "5000-digits", "100000-brackets", "invalid-utf8", "utf8-bom"],
)
def test_malformed_json_is_400(client: FlaskClient, assert_problem: Callable[..., None], body: bytes) -> None:
    """A body that is not parseable JSON answers 400 problem+json, never 500."""
    response = client.post(USERS, data=body, content_type="application/json")

    assert_problem(response, 400, INVALID_JSON, errors={"body": ["Invalid JSON body."]})


def test_unexpected_exception_is_500_without_traceback(
    client: FlaskClient,
    store: UserStore,
    monkeypatch: pytest.MonkeyPatch,
    assert_problem: Callable[..., None],
) -> None:
    """A bug in the store answers a generic 500 problem: no exception text, no stack trace."""

    def explode(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("secret connection string postgres://admin:hunter2@db")

    monkeypatch.setattr(store, "get", explode)

    response = client.get(f"{USERS}/{uuid.uuid4()}")

    assert_problem(response, 500, InternalServerError.description)
    text = response.get_data(as_text=True)
    assert "hunter2" not in text
    assert "Traceback" not in text


@pytest.mark.parametrize("code", sorted(default_exceptions))
def test_render_http_exception_renders_every_werkzeug_error(code: int) -> None:
    """Every HTTP error Werkzeug can raise renders as problem+json with its status phrase and description."""
    error = default_exceptions[code]()

    response = render_http_exception(error)

    assert (response.status_code, response.mimetype) == (code, PROBLEM)
    assert json.loads(response.get_data()) == {
        "type": "about:blank",
        "title": http.HTTPStatus(code).phrase,
        "status": code,
        "detail": error.description,
    }


def test_render_problem_body_is_valid_against_the_documented_schema() -> None:
    """The body ProblemSchema writes is one the same schema, as published in the spec, accepts."""
    response = render_problem(409, "Taken.", errors={"email": ["a@example.com is taken."]})

    assert ProblemSchema().validate(json.loads(response.get_data())) == {}


def test_render_problem_includes_field_errors() -> None:
    """Field errors given to render_problem appear under `errors`, after the four standard members."""
    response = render_problem(409, "Taken.", errors={"email": ["a@example.com is taken."]})

    assert response.get_data(as_text=True) == (
        '{"type": "about:blank", "title": "Conflict", "status": 409, "detail": "Taken.", '
        '"errors": {"email": ["a@example.com is taken."]}}'
    )


def test_render_problem_keeps_within_the_documented_bounds() -> None:
    """A detail or message longer than the spec's 1024 characters is shortened, and a field keeps at most
    100 messages, so even a library's longest message stays a documented body."""
    long = "Not a valid email address: " + "x" * 5000
    response = render_problem(400, long, errors={"email": [long] * 150})

    body = json.loads(response.get_data())
    assert len(body["detail"]) == 1024
    assert body["detail"].endswith("…")
    assert len(body["errors"]["email"]) == 100
    assert {len(message) for message in body["errors"]["email"]} == {1024}


def test_invalid_email_with_a_very_long_message_is_a_documented_400(client: FlaskClient) -> None:
    """email-validator names every character it refuses; for an address full of them the 400 still keeps
    each message within the documented length."""
    refused = "".join(chr(code) for code in range(0xA1, 0x250) if chr(code).isprintable())
    email = f"{refused} <ada@example.com>"  # a display name, each of its characters named as refused

    response = client.post("/people/v1/users", json={"name": "Ada", "email": email})

    messages = response.get_json()["errors"]["email"]
    assert (response.status_code, response.mimetype) == (400, "application/problem+json")
    assert any(message.startswith("Not a valid email address: The display name") for message in messages)
    assert all(len(message) <= 1024 for message in messages)


@pytest.mark.parametrize("errors", [None, {}], ids=["none", "empty"])
def test_render_problem_omits_errors_when_there_are_none(errors: dict[str, list[str]] | None) -> None:
    """Without field errors the body has no `errors` member at all, neither null nor {}."""
    body = json.loads(render_problem(404, "Gone.", errors=errors).get_data())

    assert "errors" not in body


def test_render_problem_without_detail_uses_the_status_description() -> None:
    """A problem with no detail explains itself with the status's standard description."""
    body = json.loads(render_problem(503).get_data())

    assert body["detail"] == http.HTTPStatus(503).description


def test_render_http_exception_keeps_the_exception_headers() -> None:
    """Headers an exception carries (such as Allow on 405) reach the client; its Content-Type does not."""
    response = render_http_exception(MethodNotAllowed(valid_methods=["GET", "POST"]))

    assert response.headers["Allow"] == "GET, POST"
    assert response.headers["Content-Type"] == PROBLEM


def test_render_http_exception_flattens_nested_validation_messages() -> None:
    """webargs' {location: {field: ...}} messages become {dotted.field: [messages]}; _schema becomes body."""
    error = BadRequest()
    error.data = {  # type: ignore[attr-defined]
        "messages": {
            "json": {
                "_schema": ["Give at least one field to change."],
                "tags": {0: ["Not a valid string."]},
                "age": 3,
            },
            "query": {"limit": ["Not a valid integer."]},
        }
    }

    body = json.loads(render_http_exception(error).get_data())

    assert body["detail"] == "The request is not valid; see errors."
    assert body["errors"] == {
        "body": ["Give at least one field to change."],
        "tags.0": ["Not a valid string."],
        "age": ["3"],
        "limit": ["Not a valid integer."],
    }


def test_render_http_exception_sets_headers_from_the_error_data() -> None:
    """Headers a view attaches to an abort (error.data["headers"]) are sent with the problem."""
    error: HTTPException = BadRequest()
    error.data = {"message": "Nope.", "headers": {"Retry-After": "5"}}  # type: ignore[attr-defined]

    response = render_http_exception(error)

    assert response.headers["Retry-After"] == "5"
    assert json.loads(response.get_data())["detail"] == "Nope."
