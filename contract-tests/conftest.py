"""Fixtures for the contract tests: a real `people-api serve` process, the generated client,
and a record of every (operationId, status) pair the tests saw."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from recording import StatusRecorder
from sqlalchemy.pool import NullPool

from people_api_client import Client

ENGINE = os.environ.get("PEOPLE_API_TEST_DB", "sqlite")
# Trust auth on the project's machines; `test` always exists and is only used to create databases.
POSTGRES_ADMIN_URL = os.environ.get(
    "PEOPLE_API_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BIN = Path(sys.executable).parent
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


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` right now."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):  # it exited while we looked
            fields = stat.read_text().rpartition(")")[2].split()  # after "pid (name)": state, ppid, ...
            if int(fields[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def running(pid: int) -> bool:
    """Whether `pid` is a live process (an exited one awaiting its parent's wait is not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    """The committed OpenAPI document."""
    document: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    return document


@pytest.fixture(scope="session")
def recorder(spec: dict[str, Any]) -> StatusRecorder:
    """Every (operationId, status) the generated client has seen in this session."""
    return StatusRecorder(spec)


def unreachable(message: str) -> None:
    """A missing PostgreSQL fails a CI run and skips a local one."""
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@contextlib.contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """CREATE a people_contract_<random> database on the shared server; DROP it afterwards."""
    admin = sa.create_engine(
        POSTGRES_ADMIN_URL,
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
        connect_args={"connect_timeout": 5},
    )
    name = f"people_contract_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as error:
        unreachable(f"PostgreSQL at {POSTGRES_ADMIN_URL} is unreachable: {error}")
    try:
        yield sa.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.dispose()


@contextlib.contextmanager
def fresh_database(engine: str, directory: Path) -> Iterator[str]:
    """The URL of an empty database on `engine`, migrated by `people-api db upgrade`."""
    with contextlib.ExitStack() as stack:
        if engine == "postgres":
            url = stack.enter_context(fresh_postgres_database())
        else:
            url = f"sqlite:///{directory / 'people.db'}"
        env = {**os.environ, "PEOPLE_API_DATABASE_URL": url}
        subprocess.run([str(BIN / "people-api"), "db", "upgrade"], env=env, check=True, capture_output=True)
        yield url


@dataclasses.dataclass(frozen=True)
class Server:
    """A running server process and where it listens."""

    url: str
    process: subprocess.Popen[bytes]


@contextlib.contextmanager
def serving(database_url: str, *options: str, env: dict[str, str] | None = None) -> Iterator[Server]:
    """`people-api serve` on a free port over `database_url`, stopped with SIGTERM on exit."""
    port = unused_port()
    environ = {**os.environ, **(env or {}), "PEOPLE_API_DATABASE_URL": database_url}
    process = subprocess.Popen([str(BIN / "people-api"), "serve", "--port", str(port), *options], env=environ)
    try:
        wait_for_port(port, process)
        yield Server(f"http://127.0.0.1:{port}", process)
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One fresh, migrated database for the session, on the engine PEOPLE_API_TEST_DB names."""
    with fresh_database(ENGINE, tmp_path_factory.mktemp("database")) as url:
        yield url


@pytest.fixture(scope="session")
def server(database_url: str) -> Iterator[str]:
    """A real `people-api serve` (2 workers x 4 threads) on a free port over the session database."""
    with serving(database_url, "--workers", "2", "--threads", "4") as running:
        yield running.url


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


def pytest_report_header() -> str:
    return f"people-api contract tests on: {ENGINE}"
