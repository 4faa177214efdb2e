"""A database outage in the log: a first line, and a summary once the database answers again, however
many requests it fails; PEOPLE_API_LOG_LEVEL decides whether either is written."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import flask
import pytest
import sqlalchemy as sa
from wire import USERS

from people_api.app import create_app
from people_api.config import Settings
from people_api.observability import logs
from people_api.storage import migrations


@pytest.fixture
def lost_app(tmp_path: Path) -> Iterator[flask.Flask]:
    """An app whose SQLite database cannot be opened until its directory (`app.config["DB_DIR"]`)
    exists."""
    directory = tmp_path / "not-yet"
    app = create_app(Settings(database_url=f"sqlite:///{directory / 'people.db'}", statement_timeout=1))
    app.config["DB_DIR"] = directory
    yield app
    app.extensions["people_api.engine"].dispose()


def bring_back(app: flask.Flask) -> None:
    """Create the database the app could not open, migrated."""
    directory: Path = app.config["DB_DIR"]
    directory.mkdir()
    engine = sa.create_engine(f"sqlite:///{directory / 'people.db'}")
    migrations.upgrade(engine)
    engine.dispose()


def outage_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING]


def test_an_outage_logs_one_line_however_many_requests_fail(
    lost_app: flask.Flask, caplog: pytest.LogCaptureFixture
) -> None:
    """Twenty 503s in a row: one warning, when the first failed."""
    client = lost_app.test_client()

    with caplog.at_level(logging.WARNING):
        statuses = {client.get(USERS).status_code for _ in range(20)}

    assert (statuses, outage_lines(caplog)) == ({503}, ["database unavailable: OperationalError"])


def test_the_database_answering_again_logs_how_long_and_how_many_requests_failed(
    lost_app: flask.Flask, caplog: pytest.LogCaptureFixture
) -> None:
    """The first request after the database is back writes the outage's summary, then nothing more."""
    client = lost_app.test_client()
    with caplog.at_level(logging.WARNING):
        for _ in range(5):
            client.get(USERS)
        bring_back(lost_app)

        statuses = [client.get(USERS).status_code for _ in range(3)]

    lines = outage_lines(caplog)
    assert (statuses, len(lines)) == ([200, 200, 200], 2)
    assert lines[1].startswith("database available again after ")
    assert lines[1].endswith(" s; 5 requests were answered 503 meanwhile")
    assert caplog.records[-1].__dict__["unavailable_responses"] == 5


def test_log_level_error_leaves_the_outage_lines_out(
    lost_app: flask.Flask, json_logs: Callable[[], list[dict[str, Any]]]
) -> None:
    """At PEOPLE_API_LOG_LEVEL=error an outage, start and end, writes nothing."""
    logs.configure("error")
    client = lost_app.test_client()

    client.get(USERS)
    bring_back(lost_app)
    client.get(USERS)

    assert json_logs() == []
