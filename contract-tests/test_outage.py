"""Database outage: a private PostgreSQL cluster is stopped under a running server and started again."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from conftest import BIN, children, serving, unreachable, unused_port
from recording import StatusRecorder

from people_api_client import Client, Retries
from people_api_client.api.health import health, readiness
from people_api_client.api.users import (
    create_user,
    delete_user,
    get_user,
    list_users,
    replace_user,
    update_user,
)
from people_api_client.models import Problem, User, UserCreate, UserPatch, UserReplace
from people_api_client.types import Response

TIMEOUT = 2  # PEOPLE_API_STATEMENT_TIMEOUT for the server under test


class PrivateCluster:
    """A PostgreSQL cluster of our own (initdb + pg_ctl) on its own port, so stopping it disturbs nothing."""

    def __init__(self, bindir: Path, directory: Path, port: int) -> None:
        self.bindir, self.data, self.port = bindir, directory / "data", port
        self.directory = directory
        self.paused: list[int] = []
        # initdb refuses to run as root; the cluster then belongs to the postgres user.
        self.prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def run(self, tool: str, *args: str) -> None:
        subprocess.run([*self.prefix, str(self.bindir / tool), *args], check=True, capture_output=True)

    def init(self) -> None:
        self.run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.directory / "log"), "-w", "start"
        )

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def pause(self) -> list[int]:
        """SIGSTOP the postmaster and every process it started: a hung host, as its clients see it."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        self.paused = [postmaster, *children(postmaster)]
        for pid in self.paused:
            os.kill(pid, signal.SIGSTOP)
        return self.paused

    def resume(self) -> None:
        """SIGCONT whatever pause() stopped."""
        for pid in self.paused:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        self.paused = []

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"


@pytest.fixture
def cluster() -> Iterator[PrivateCluster]:
    """A started private cluster with an empty `people` database; removed afterwards."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")) or [shutil.which("pg_ctl") or ""]
    if not found[-1]:
        unreachable("PostgreSQL server binaries (pg_ctl, initdb) are not installed")
    directory = Path(tempfile.mkdtemp(prefix="people-outage-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    cluster = PrivateCluster(Path(found[-1]).parent, directory, unused_port())
    cluster.init()
    cluster.start()
    try:
        subprocess.run(
            [
                *cluster.prefix,
                str(cluster.bindir / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(cluster.port),
                "-U",
                "postgres",
                "people",
            ],
            check=True,
            capture_output=True,
        )
        yield cluster
    finally:
        cluster.resume()  # a stopped postmaster would never act on pg_ctl's stop
        with contextlib.suppress(subprocess.CalledProcessError):
            cluster.stop()
        shutil.rmtree(directory, ignore_errors=True)


def timed(call: Callable[[], Response[Any]]) -> tuple[Response[Any], float]:
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def migrate(url: str) -> None:
    subprocess.run(
        [str(BIN / "people-api"), "db", "upgrade"],
        env={**os.environ, "PEOPLE_API_DATABASE_URL": url},
        check=True,
    )


def database_calls(client: Client, user_id: UUID) -> dict[str, Callable[[], Response[Any]]]:
    """One call of every operation that needs the database, by operationId."""
    return {
        "list_users": lambda: list_users.sync_detailed(client=client),
        "create_user": lambda: create_user.sync_detailed(
            client=client, body=UserCreate(name="B", email=f"{uuid.uuid4().hex}@x.io")
        ),
        "get_user": lambda: get_user.sync_detailed(user_id, client=client),
        "replace_user": lambda: replace_user.sync_detailed(
            user_id, client=client, body=UserReplace(name="C", email="c@x.io")
        ),
        "update_user": lambda: update_user.sync_detailed(user_id, client=client, body=UserPatch(name="D")),
        "delete_user": lambda: delete_user.sync_detailed(user_id, client=client),
        "readiness": lambda: readiness.sync_detailed(client=client),
    }


def assert_unavailable(response: Response[Any], name: str) -> None:
    """A retryable 503 problem."""
    assert response.status_code == 503, name
    assert isinstance(response.parsed, Problem), name
    assert int(response.headers["Retry-After"]) > 0, name


def create_ada(client: Client) -> UUID:
    created = create_user.sync_detailed(client=client, body=UserCreate(name="Ada", email="ada@example.com"))
    assert isinstance(created.parsed, User)
    return created.parsed.id


def await_recovery(client: Client) -> float:
    """Poll /readyz until it says 200; how long that took."""
    started = time.monotonic()
    while readiness.sync_detailed(client=client).status_code != 200:
        assert time.monotonic() < started + 30, "the service did not recover within 30 s"
        time.sleep(0.25)
    return time.monotonic() - started


def test_outage_gives_bounded_503s_and_the_service_recovers(
    cluster: PrivateCluster, recorder: StatusRecorder
) -> None:
    """With the database stopped every database operation answers 503 + Retry-After within the
    timeout, /healthz stays 200 and /readyz says 503; when it returns, service resumes unrestarted."""
    url = cluster.url("people")
    migrate(url)
    env = {"PEOPLE_API_STATEMENT_TIMEOUT": str(TIMEOUT)}
    hooks = {"event_hooks": {"response": [recorder.record]}}
    with (
        serving(url, env=env) as server,
        # No retries: this test times the server's own 503s, which the client would otherwise wait out.
        Client(
            base_url=server.url, httpx_args=hooks, timeout=httpx.Timeout(30), retries=Retries(max_retries=0)
        ) as client,
    ):
        user_id = create_ada(client)

        cluster.stop()
        for name, call in database_calls(client, user_id).items():
            response, elapsed = timed(call)
            assert_unavailable(response, name)
            assert elapsed < 2 * TIMEOUT + 1, (name, elapsed)
        assert health.sync_detailed(client=client).status_code == 200

        cluster.start()
        await_recovery(client)
        assert get_user.sync_detailed(user_id, client=client).status_code == 200
        assert server.process.poll() is None


THREADS = 2  # request threads of the server under test; the onset sends twice as many requests at once


def test_a_hung_database_gives_bounded_503s_the_probes_answer_and_the_service_recovers(
    cluster: PrivateCluster, recorder: StatusRecorder
) -> None:
    """With every database process paused (a hung host: its kernel still acknowledges TCP), requests
    that hold a pooled connection and requests that open one both answer 503 + Retry-After within the
    statement timeout plus a second; once one has, the rest and both probes answer at once, /healthz
    200 and /readyz 503. After SIGCONT the same server recovers by itself."""
    url = cluster.url("people")
    migrate(url)
    env = {"PEOPLE_API_STATEMENT_TIMEOUT": str(TIMEOUT)}
    hooks = {"event_hooks": {"response": [recorder.record]}}
    with (
        serving(url, "--threads", str(THREADS), env=env) as server,
        # Retries off: the test times the server's own answers, not the client's retries of them.
        Client(
            base_url=server.url, httpx_args=hooks, timeout=httpx.Timeout(30), retries=Retries(max_retries=0)
        ) as client,
        ThreadPoolExecutor(max_workers=2 * THREADS) as pool,
    ):
        user_id = create_ada(client)
        # Every request thread ends up holding a pooled connection, so the onset meets them.
        list(pool.map(lambda _: list_users.sync_detailed(client=client), range(2 * THREADS)))
        timings: dict[str, float] = {}

        cluster.pause()
        try:
            onset = [
                pool.submit(timed, partial(list_users.sync_detailed, client=client))
                for _ in range(THREADS * 2)
            ]
            time.sleep(0.2)  # the probe queues behind them
            probe, timings["healthz at onset"] = timed(lambda: health.sync_detailed(client=client))
            assert probe.status_code == 200
            for number, future in enumerate(onset):
                response, timings[f"list_users at onset #{number}"] = future.result()
                assert_unavailable(response, "list_users")
            for name, call in database_calls(client, user_id).items():
                response, timings[name] = timed(call)
                assert_unavailable(response, name)
            probe, timings["healthz"] = timed(lambda: health.sync_detailed(client=client))
            assert probe.status_code == 200
            assert all(elapsed < TIMEOUT + 1 for elapsed in timings.values()), timings
            assert timings["healthz"] < 0.5, timings
            assert timings["readiness"] < 0.5, timings
        finally:
            cluster.resume()

        timings["recovery after SIGCONT"] = await_recovery(client)
        assert get_user.sync_detailed(user_id, client=client).status_code == 200
        assert server.process.poll() is None
        print("hung-database timings (s):", {name: round(elapsed, 3) for name, elapsed in timings.items()})
