"""One JSON log line per request, naming the route template, never what the client sent."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import flask
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from wire import USERS

from people_api.access.api_keys import KeyStore
from people_api.observability import logs
from people_api.observability.request_id import HEADER
from people_api.users.store import UserStore

Logs = Callable[[], list[dict[str, Any]]]


def _requests(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [line for line in lines if line["logger"] == "people_api.request"]


def test_each_request_writes_one_json_line_with_its_fields(client: FlaskClient, json_logs: Logs) -> None:
    """The line has time, level, method, route, status, duration in ms, request id and API key id."""
    logs.configure("info")
    body = {"name": "Ada", "email": f"ada-{uuid.uuid4().hex}@example.com"}

    client.post(USERS, json=body, headers={HEADER: "r-1"})

    (line,) = _requests(json_logs())

    assert datetime.fromisoformat(line.pop("time")).tzinfo is not None
    assert isinstance(line.pop("process"), int)
    duration = line.pop("duration_ms")
    assert isinstance(duration, float)
    assert duration > 0
    assert line == {
        "event": "request",
        "level": "info",
        "logger": "people_api.request",
        "method": "POST",
        "route": USERS,
        "status": 201,
        "request_id": "r-1",
        "api_key_id": None,
    }


def test_log_line_names_the_route_template_not_the_path(client: FlaskClient, json_logs: Logs) -> None:
    """A user's URL is logged as its rule, so no id (and no per-user series) reaches the log."""
    logs.configure("info")
    user_id = uuid.uuid4()

    client.get(f"{USERS}/{user_id}")

    (line,) = _requests(json_logs())
    assert (line["route"], line["status"]) == (f"{USERS}/<uuid:user_id>", 404)
    assert str(user_id) not in json.dumps(line)


@pytest.mark.parametrize(("method", "status"), [("GET", 404), ("PUT", 405)], ids=["404", "405"])
def test_request_no_rule_matches_is_logged_as_unmatched(
    client: FlaskClient, json_logs: Logs, method: str, status: int
) -> None:
    """A path no route matches (or a method it does not serve) is logged under `<unmatched>`."""
    logs.configure("info")
    client.open("/wp-admin/secret.php" if status == 404 else USERS, method=method)

    (line,) = _requests(json_logs())
    assert (line["route"], line["status"]) == ("<unmatched>", status)
    assert "wp-admin" not in json.dumps(line)


def test_logs_hold_no_token_body_query_or_email(client: FlaskClient, json_logs: Logs) -> None:
    """What a client sends (bearer token, JSON body, query string, the email in each) is never written."""
    logs.configure("info")
    email = f"grace-{uuid.uuid4().hex}@example.com"
    headers = {"Authorization": "Bearer pa_SECRETTOKEN"}

    client.post(USERS, json={"name": "Grace Hopper", "email": email}, headers=headers)
    client.get(f"{USERS}?email={email}&name=Grace+Hopper", headers=headers)

    written = json.dumps(json_logs())
    assert len(_requests(json.loads(written))) == 2
    for secret in (email, "SECRETTOKEN", "Grace", "Hopper", "name="):
        assert secret not in written


def test_log_line_names_the_api_key_never_its_token(
    client: FlaskClient, keys: KeyStore, json_logs: Logs
) -> None:
    """A request with an API key is logged with the key's id (what `people-api keys list` shows)."""
    logs.configure("info")
    key, token = keys.create("reader", ("users:read",))

    client.get(USERS, headers={"Authorization": f"Bearer {token}"})

    lines = json_logs()
    (line,) = _requests(lines)
    assert (line["status"], line["api_key_id"]) == (200, key.id)
    assert token not in json.dumps(lines)


def test_library_records_during_a_request_carry_its_id(
    client: FlaskClient, store: UserStore, monkeypatch: pytest.MonkeyPatch, json_logs: Logs
) -> None:
    """A record Flask or a library writes while a request runs (here the 503 handler's warning) is a JSON
    line with that request's id."""
    logs.configure("info")

    def database_gone(*_args: Any, **_kwargs: Any) -> None:
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("refused"))

    monkeypatch.setattr(store, "get", database_gone)

    client.get(f"{USERS}/{uuid.uuid4()}", headers={HEADER: "r-503"})

    warning, request = json_logs()
    assert (warning["level"], warning["event"], warning["request_id"]) == (
        "warning",
        "database unavailable: OperationalError",
        "r-503",
    )
    assert (request["status"], request["request_id"]) == (503, "r-503")


def test_unexpected_exception_is_logged_with_its_traceback_and_request_id(
    client: FlaskClient, store: UserStore, monkeypatch: pytest.MonkeyPatch, json_logs: Logs
) -> None:
    """A 500 leaves one error line with the traceback (as a JSON string) and the request's id."""
    logs.configure("info")

    def explode(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(store, "get", explode)

    client.get(f"{USERS}/{uuid.uuid4()}", headers={HEADER: "r-500"})

    error, request = json_logs()
    assert (error["level"], error["request_id"]) == ("error", "r-500")
    assert "RuntimeError: a bug" in error["exception"]
    assert (request["status"], request["request_id"]) == (500, "r-500")


def test_records_after_a_request_carry_no_request_id(client: FlaskClient, json_logs: Logs) -> None:
    """Once a request is answered its id is unbound: the thread's next records belong to no request."""
    logs.configure("info")
    client.get("/healthz")

    logging.getLogger("people_api.test").warning("between requests")

    (*_, between) = json_logs()
    assert between["event"] == "between requests"
    assert "request_id" not in between


def test_sql_parameters_of_a_failed_statement_stay_out_of_the_logged_traceback(
    app: flask.Flask, store: UserStore, monkeypatch: pytest.MonkeyPatch, json_logs: Logs
) -> None:
    """A database error's text lists the statement's parameters (emails among them) unless the engine
    hides them: the 500's traceback is logged without them."""
    logs.configure("info")
    email = f"ada-{uuid.uuid4().hex}@example.com"

    def failing_statement(*_args: Any, **_kwargs: Any) -> None:
        with app.extensions["people_api.engine"].connect() as conn:
            conn.execute(sa.text("SELECT :email, :forgotten"), {"email": email})

    monkeypatch.setattr(store, "get", failing_statement)

    app.test_client().get(f"{USERS}/{uuid.uuid4()}")

    error, request = json_logs()
    assert "StatementError" in error["exception"]
    assert email not in error["exception"]
    assert request["status"] == 500
