"""X-Request-ID: a well-formed client id is kept, anything else replaced; every response carries it,
errors included; the spec documents it once for every operation."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from wire import USERS

from people_api.contract import spec
from people_api.contract.compat import resolve
from people_api.observability.request_id import HEADER
from people_api.users.store import UserStore

GENERATED = re.compile(r"[0-9a-f]{32}")
VISIBLE_ASCII = "".join(chr(code) for code in range(0x21, 0x7F))


@pytest.mark.parametrize(
    "offered",
    ["a", "7f3c9a2e-checkout-42", VISIBLE_ASCII, "x" * 200],
    ids=["one-char", "typical", "every-visible-ascii-char", "200-chars"],
)
def test_well_formed_client_id_is_kept(client: FlaskClient, offered: str) -> None:
    """1-200 visible ASCII characters come back exactly as sent."""
    response = client.get("/healthz", headers={HEADER: offered})

    assert response.headers[HEADER] == offered


@pytest.mark.parametrize(
    "offered",
    ["", "x" * 201, "two words", "tab\there", "caf\u00e9", "bell\x07"],
    ids=["empty", "201-chars", "space", "tab", "non-ascii", "control-char"],
)
def test_ill_formed_client_id_is_replaced_by_a_generated_one(client: FlaskClient, offered: str) -> None:
    """Anything else is not refused but replaced by an id the server makes (a uuid4 in hex)."""
    response = client.get("/healthz", headers={HEADER: offered})

    assert response.status_code == 200
    assert GENERATED.fullmatch(response.headers[HEADER])


def test_request_without_an_id_gets_a_new_one_each_time(client: FlaskClient) -> None:
    """Without the header every request gets its own generated id."""
    first, second = (client.get("/healthz").headers[HEADER] for _ in range(2))

    assert GENERATED.fullmatch(first)
    assert GENERATED.fullmatch(second)
    assert first != second


def _explode(*_args: Any, **_kwargs: Any) -> None:
    raise RuntimeError("a bug")


def _database_gone(*_args: Any, **_kwargs: Any) -> None:
    raise sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("GET", "/people/v2/users", {}, 404),
        ("DELETE", USERS, {}, 405),
        ("POST", USERS, {"data": b" " * (1024 * 1024 + 1), "content_type": "application/json"}, 413),
        ("POST", USERS, {"data": "{}", "content_type": "text/plain"}, 415),
        ("POST", USERS, {"data": "{", "content_type": "application/json"}, 400),
    ],
    ids=["404-unknown-path", "405", "413", "415", "400-malformed-json"],
)
def test_error_responses_echo_the_id(
    client: FlaskClient, method: str, path: str, kwargs: dict[str, Any], status: int
) -> None:
    """Errors raised by Werkzeug, by webargs and by our own parsing all carry the request's id."""
    response = client.open(path, method=method, headers={HEADER: "err-1"}, **kwargs)

    assert (response.status_code, response.headers[HEADER]) == (status, "err-1")


@pytest.mark.parametrize(
    ("failure", "status"), [(_explode, 500), (_database_gone, 503)], ids=["500-bug", "503-database"]
)
def test_unexpected_and_database_failures_echo_the_id(
    client: FlaskClient, store: UserStore, monkeypatch: pytest.MonkeyPatch, failure: Any, status: int
) -> None:
    """The 500 of an unhandled exception and the 503 of a database away carry the request's id too."""
    monkeypatch.setattr(store, "get", failure)

    response = client.get(f"{USERS}/{uuid.uuid4()}", headers={HEADER: "err-2"})

    assert (response.status_code, response.headers[HEADER]) == (status, "err-2")


def _operations(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{method.upper()} {path}", operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method != "parameters"
    ]


def test_spec_lists_the_id_as_an_optional_request_header_of_every_operation() -> None:
    """Every operation takes X-Request-ID as an optional header of any string (ill-formed ones are
    replaced, not refused)."""
    document = spec.document()

    for where, operation in _operations(document):
        params = [resolve(document, raw) for raw in operation.get("parameters", [])]
        (param,) = [p for p in params if (p["in"], p["name"]) == ("header", HEADER)]
        assert (param["required"], param["schema"]) == (False, {"type": "string"}), where


def test_spec_lists_the_id_as_a_required_header_of_every_response() -> None:
    """Every response of every operation, shared error responses included, documents the echoed id."""
    document = spec.document()

    for where, operation in _operations(document):
        for status, raw in operation["responses"].items():
            header = resolve(document, resolve(document, raw)["headers"][HEADER])
            assert header["required"] is True, f"{where} {status}"
            assert header["schema"]["pattern"] == "^[!-~]+$", f"{where} {status}"
