"""The served process's logging: JSON lines on stderr for every logger, at PEOPLE_API_LOG_LEVEL."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import flask
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from people_api.observability import logs


def test_granian_writes_json_lines_with_the_setup_it_is_given(capsys: pytest.CaptureFixture[str]) -> None:
    """granian's own setup, given `dictconfig` as `serve` gives it, writes its records as JSON on stderr."""
    from granian.log import LogLevels, configure_logging
    from granian.log import logger as granian_logger

    configure_logging(LogLevels.info, logs.dictconfig("info"))
    granian_logger.info("Listening at: http://127.0.0.1:5001")

    captured = capsys.readouterr()
    (line,) = [json.loads(text) for text in captured.err.splitlines()]
    assert (line["logger"], line["level"], line["event"]) == (
        "_granian",
        "info",
        "Listening at: http://127.0.0.1:5001",
    )
    assert captured.out == ""


def test_sql_statements_are_not_logged_even_at_debug(
    app: flask.Flask, capsys: pytest.CaptureFixture[str]
) -> None:
    """SQLAlchemy's statement log (with parameters, emails among them) stays off at every level."""
    logs.configure("debug")

    with app.extensions["people_api.engine"].connect() as conn:
        conn.execute(sa.text("SELECT :email"), {"email": "ada@example.com"})

    assert "ada@example.com" not in capsys.readouterr().err


def test_log_level_leaves_out_less_severe_records(
    client: FlaskClient, capsys: pytest.CaptureFixture[str]
) -> None:
    """At `warning` the per-request lines (info) are not written; warnings are."""
    logs.configure("warning")

    client.get("/healthz")
    logging.getLogger("people_api.test").warning("disk nearly full")

    (line,) = [json.loads(text) for text in capsys.readouterr().err.splitlines()]
    assert line["event"] == "disk nearly full"


def test_extra_fields_of_a_record_become_json_fields(json_logs: Callable[[], list[dict[str, Any]]]) -> None:
    """`extra=` values are fields of the line, typed as given."""
    logs.configure("info")
    logging.getLogger("people_api.test").info("imported", extra={"rows": 3, "batch": "b-1"})

    (line,) = json_logs()
    assert (line["event"], line["rows"], line["batch"]) == ("imported", 3, "b-1")
