"""Fixtures for the released-client suite: today's `people-api serve` on a free port over a fresh
SQLite database, and the client installed in this venv, generated from one released spec.

This folder runs alone (`nox -s released-clients`), in a venv holding only that client and pytest:
nothing here may import people_api or the other contract tests' helpers.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import uuid
from collections.abc import Iterator

import pytest

from people_api_client import Client

# Seconds `serve` has to say it listens.
READY_TIMEOUT = 60.0


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--people-api",
        default=shutil.which("people-api"),
        help="The people-api command to serve with (today's server) [default: the one on PATH].",
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`people-api serve` on a free port over a new SQLite file; its URL once it logs that it listens."""
    command = request.config.getoption("--people-api")
    if not command:
        pytest.fail("no people-api command: pass --people-api PATH")
    database = tmp_path_factory.mktemp("server") / "people.db"
    # Only the variables a process needs: the developer's own PEOPLE_API_* settings stay out.
    env = {name: value for name, value in os.environ.items() if not name.startswith("PEOPLE_API_")}
    env["PEOPLE_API_DATABASE_URL"] = f"sqlite:///{database}"
    process = subprocess.Popen(
        [command, "serve", "--port", str(_free_port()), "--workers", "2", "--threads", "4"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield _ready_url(process)
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stderr is not None:
            process.stderr.close()


def _ready_url(process: subprocess.Popen[str]) -> str:
    """The URL from serve's "listening" log line (read as it comes: no polling); fails if serve exits."""
    assert process.stderr is not None
    # A server that neither listens nor exits is stopped, which ends the loop below.
    watchdog = threading.Timer(READY_TIMEOUT, process.kill)
    watchdog.start()
    try:
        for line in process.stderr:
            try:
                record = json.loads(line)
            except ValueError:
                continue  # not a log record (a traceback's lines)
            if isinstance(record, dict) and record.get("logger") == "people_api" and "url" in record:
                # Keep draining stderr so the server never blocks on a full pipe.
                threading.Thread(target=process.stderr.read, daemon=True).start()
                return str(record["url"])
    finally:
        watchdog.cancel()
    raise RuntimeError(f"people-api serve exited with {process.wait()} before it listened")


@pytest.fixture
def client(server: str) -> Iterator[Client]:
    """The released client on today's server (no key: loopback is open)."""
    with Client(base_url=server) as api:
        yield api


@pytest.fixture
def email() -> str:
    """An address no other test uses."""
    return f"released-{uuid.uuid4().hex}@example.com"
