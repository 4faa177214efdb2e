"""Fixtures for the contract tests: a real `people-api serve` process, the generated client,
a record of every (operationId, status) pair the tests saw, and the audit of that record."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Generator, Iterator, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import redis
import sqlalchemy as sa
from faults import Fault, FaultyProxy
from recording import StatusRecorder, documented_statuses
from sqlalchemy.pool import NullPool

import people_api_client._sending
from people_api_client import Client

ENGINE = os.environ.get("PEOPLE_API_TEST_DB", "sqlite")
# Trust auth on the project's machines; `test` always exists and is only used to create databases.
POSTGRES_ADMIN_URL = os.environ.get(
    "PEOPLE_API_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BIN = Path(sys.executable).parent
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SPEC_PATH = ROOT / "spec" / "openapi.json"
SCHEMATHESIS_CONFIG = HERE / "schemathesis.toml"
USERS = "/people/v1/users"


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


@contextlib.contextmanager
def launched_as_group(
    database_url: str,
    port: int,
    *options: str,
    stop: signal.Signals = signal.SIGTERM,
    env: dict[str, str] | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """`people-api serve` leading a process group (session) of its own, so one signal reaches its
    workers too: on the way out every process left in it gets `stop`, whatever the test did to them."""
    process = subprocess.Popen(
        [str(BIN / "people-api"), "serve", "--port", str(port), *options],
        env={**os.environ, **(env or {}), "PEOPLE_API_DATABASE_URL": database_url},
        start_new_session=True,
    )
    try:
        wait_for_port(port, process)
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, stop)
        process.wait(timeout=30)


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
def serving(
    database_url: str, *options: str, env: dict[str, str] | None = None, log: Path | None = None
) -> Iterator[Server]:
    """`people-api serve` on a free port over `database_url`, stopped with SIGTERM on exit; its
    output goes to `log` when given (else to this process's)."""
    port = unused_port()
    environ = {**os.environ, **(env or {}), "PEOPLE_API_DATABASE_URL": database_url}
    command = [str(BIN / "people-api"), "serve", "--port", str(port), *options]
    output = log.open("wb") if log is not None else None
    process = subprocess.Popen(command, env=environ, stdout=output, stderr=output)
    try:
        wait_for_port(port, process)
        yield Server(f"http://127.0.0.1:{port}", process)
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)
        if output is not None:
            output.close()


class PrivateRedis:
    """A redis-server of the test's own on a free port (stopping the shared one is not ours to do), to
    kill, restart, pause and resume."""

    def __init__(self, binary: str) -> None:
        self.port = unused_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._command = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        self._command += ["--appendonly", "no"]
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start it (again, empty) and return once it answers PING."""
        self.process = subprocess.Popen(self._command, stdout=subprocess.DEVNULL)
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        deadline = time.monotonic() + 10
        try:
            while True:
                try:
                    client.ping()
                    return
                except redis.ConnectionError:
                    if time.monotonic() > deadline or self.process.poll() is not None:
                        raise
                    time.sleep(0.05)
        finally:
            client.close()

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> None:
        """Send `sig` (SIGKILL: a crash) and wait until it has exited."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a paused server would never act on SIGTERM
            self.process.send_signal(sig)
            self.process.wait(timeout=10)

    def pause(self) -> None:
        """SIGSTOP: connections stay open and the kernel still accepts new ones, but nothing answers."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    """A started PrivateRedis, stopped afterwards (redis-server missing: a failure under CI)."""
    binary = shutil.which("redis-server")
    if binary is None:
        unreachable("redis-server is not installed")
    assert binary is not None
    server = PrivateRedis(binary)
    server.start()
    try:
        yield server
    finally:
        server.stop()


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


def people_api(database_url: str, *args: str) -> str:
    """Run `people-api ARGS` on `database_url` and return its stdout."""
    env = {**os.environ, "PEOPLE_API_DATABASE_URL": database_url}
    done = subprocess.run(
        [str(BIN / "people-api"), *args], env=env, check=True, capture_output=True, text=True
    )
    return done.stdout


def create_key(database_url: str, name: str, *scopes: str) -> str:
    """`people-api keys create`, as an operator scripts it: TOKEN=$(people-api keys create ...)."""
    return people_api(
        database_url, "keys", "create", "--name", name, *(f"--scope={scope}" for scope in scopes)
    )[:-1]


@dataclasses.dataclass(frozen=True)
class KeyedServer:
    """A server whose database holds API keys, and a token of each kind: "users:read" (only that
    scope), "users:write" (only that), "full" (every scope) and "revoked"."""

    url: str
    database_url: str
    tokens: dict[str, str]

    @property
    def schemathesis_env(self) -> dict[str, str]:
        """The variable schemathesis.toml reads its bearer token from, holding the full key."""
        return {"PEOPLE_API_CONTRACT_TOKEN": self.tokens["full"]}


@pytest.fixture(scope="session")
def keyed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeyedServer]:
    """A real `people-api serve` (2 workers x 4 threads) over a database holding four keys."""
    with fresh_database(ENGINE, tmp_path_factory.mktemp("keyed")) as url:
        tokens = {
            "users:read": create_key(url, "reader", "users:read"),
            "users:write": create_key(url, "writer", "users:write"),
            "full": create_key(url, "full", "users:read", "users:write", "metrics:read"),
            "revoked": create_key(url, "leaked", "users:read", "users:write"),
        }
        listed = people_api(url, "keys", "list").splitlines()
        people_api(url, "keys", "revoke", next(row.split()[0] for row in listed if " leaked " in row))
        with serving(url, "--workers", "2", "--threads", "4") as running:
            yield KeyedServer(running.url, url, tokens)


@pytest.fixture
def api_client(server: str, recorder: StatusRecorder) -> Iterator[Client]:
    """The generated client on the real (open, loopback) server, recording every status it receives."""
    hooks = {"event_hooks": {"response": [recorder.record]}}
    with Client(base_url=server, httpx_args=hooks) as client:
        yield client


@pytest.fixture
def raw(api_client: Client) -> httpx.Client:
    """The client's own httpx session, for requests the typed API cannot express (non-JSON, huge)."""
    return api_client.get_httpx_client()


@pytest.fixture
def faulty_proxy(server: str) -> Iterator[Callable[[Fault], FaultyProxy]]:
    """Makes proxies in front of the server that spoil the first answer in the given way."""
    proxies: list[FaultyProxy] = []

    def make(fault: Fault) -> FaultyProxy:
        proxies.append(FaultyProxy(server, fault))
        return proxies[-1]

    yield make
    for proxy in proxies:
        proxy.close()


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A loopback address that accepts connections and never answers: every read there times out."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The seconds the client waits between attempts, recorded instead of slept."""
    waited: list[float] = []

    async def asleep(seconds: float) -> None:
        waited.append(seconds)

    monkeypatch.setattr(people_api_client._sending, "time", SimpleNamespace(sleep=waited.append))
    monkeypatch.setattr(people_api_client._sending, "asyncio", SimpleNamespace(sleep=asleep))
    return waited


@dataclasses.dataclass
class SuiteRun:
    """What this session did with the contract suite: enough to tell the whole suite from a selection."""

    deselected: int = 0
    skipped: int = 0
    audit: str = "not run: no contract test ran"

    def partial(self, session: pytest.Session) -> str | None:
        """Why this run cannot judge which statuses the suite produces, or None for a whole, green run."""
        ran = {item.path for item in session.items}
        if session.testsfailed:
            return f"{session.testsfailed} test(s) failed"
        if self.deselected:
            return f"{self.deselected} contract test(s) deselected"
        if self.skipped:
            return f"{self.skipped} contract test(s) skipped"
        if any("::" in arg for arg in session.config.args) or not set(HERE.glob("test_*.py")) <= ran:
            return "only part of the contract suite was selected"
        return None


SUITE_RUN = pytest.StashKey[SuiteRun]()


def _suite_run(config: pytest.Config) -> SuiteRun:
    return config.stash.setdefault(SUITE_RUN, SuiteRun())


def _in_suite(item: pytest.Item) -> bool:
    return item.path.is_relative_to(HERE)


def pytest_deselected(items: Sequence[pytest.Item]) -> None:
    """Count contract tests left out by -k, -m, --lf, --deselect and the like."""
    for item in items:
        if _in_suite(item):
            _suite_run(item.config).deselected += 1


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Count skipped contract tests (a skipped test may be the one that produces a status)."""
    report = yield
    if report.skipped and _in_suite(item):
        _suite_run(item.config).skipped += 1
    return report


@pytest.fixture(scope="session", autouse=True)
def documented_statuses_audit(
    request: pytest.FixtureRequest, spec: dict[str, Any], recorder: StatusRecorder
) -> Iterator[None]:
    """After the last contract test, fail the session if the spec documents an (operationId, status)
    that no test produced. Only a whole, green run of the suite is audited: a selection (-k, a file,
    a node id) or a run with failures or skips has left statuses unproduced for another reason."""
    yield
    run = _suite_run(request.config)
    reason = run.partial(request.session)
    if reason is not None:
        run.audit = f"not run: {reason}"
        return
    missing = sorted(documented_statuses(spec) - recorder.seen)
    if missing:
        run.audit = f"FAILED: {len(missing)} documented status(es) never produced"
        pytest.fail(
            "documented in spec/openapi.json but produced by no contract test: "
            + ", ".join(f"{operation_id} {status}" for operation_id, status in missing),
            pytrace=False,
        )
    run.audit = "every documented (operationId, status) was produced"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """Say whether the documented-status audit ran, so a selection never passes for a full check."""
    if SUITE_RUN in config.stash:
        terminalreporter.write_line(f"documented-status audit: {config.stash[SUITE_RUN].audit}")


def pytest_report_header() -> str:
    return f"people-api contract tests on: {ENGINE}"
