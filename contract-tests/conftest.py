"""Fixtures for the contract tests: a real `people-api serve` process, the generated client,
and a record of every (operationId, status) pair the tests saw."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from recording import StatusRecorder

from people_api_client import Client

ROOT = Path(__file__).resolve().parent.parent
SPEC_PATH = ROOT / "spec" / "openapi.json"
SCHEMATHESIS_CONFIG = Path(__file__).resolve().parent / "schemathesis.toml"


def unused_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    """Block until the server accepts connections, failing early if it died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"people-api serve exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"people-api serve did not listen on {port} within {timeout} s")


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    """The committed OpenAPI document."""
    document: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    return document


@pytest.fixture(scope="session")
def recorder(spec: dict[str, Any]) -> StatusRecorder:
    """Every (operationId, status) the generated client has seen in this session."""
    return StatusRecorder(spec)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `people-api serve` (2 workers x 4 threads) on a free port over a fresh SQLite file."""
    database = tmp_path_factory.mktemp("server") / "people.db"
    port = unused_port()
    env = {**os.environ, "PEOPLE_API_DATABASE_URL": f"sqlite:///{database}"}
    command = [
        str(Path(sys.executable).parent / "people-api"),
        "serve",
        "--port",
        str(port),
        "--workers",
        "2",
    ]
    process = subprocess.Popen(command, env=env)
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def api_client(server: str, recorder: StatusRecorder) -> Iterator[Client]:
    """The generated client pointed at the real server, recording every status it receives."""
    with Client(base_url=server, httpx_args={"event_hooks": {"response": [recorder.record]}}) as client:
        yield client


@pytest.fixture
def raw(api_client: Client) -> httpx.Client:
    """The client's own httpx session, for requests the typed API cannot express (non-JSON, huge)."""
    return api_client.get_httpx_client()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the documented-status audit after every test that can feed it."""
    items.sort(key=lambda item: item.get_closest_marker("audit") is not None)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "audit: runs after all other contract tests")
