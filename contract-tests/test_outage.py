"""Database outage: a private PostgreSQL cluster is stopped under a running server and started again."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from conftest import BIN, OPEN_SERVER_TOKEN, serving, unreachable, unused_port
from recording import StatusRecorder

from people_api_client import AuthenticatedClient
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

TIMEOUT = 2  # PEOPLE_API_STATEMENT_TIMEOUT for the server under test


class PrivateCluster:
    """A PostgreSQL cluster of our own (initdb + pg_ctl) on its own port, so stopping it disturbs nothing."""

    def __init__(self, bindir: Path, directory: Path, port: int) -> None:
        self.bindir, self.data, self.port = bindir, directory / "data", port
        self.directory = directory
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
        with contextlib.suppress(subprocess.CalledProcessError):
            cluster.stop()
        shutil.rmtree(directory, ignore_errors=True)


def timed(call: Callable[[], httpx.Response | object]) -> tuple[object, float]:
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def test_outage_gives_bounded_503s_and_the_service_recovers(
    cluster: PrivateCluster, recorder: StatusRecorder
) -> None:
    """With the database stopped every database operation answers 503 + Retry-After within the
    timeout, /healthz stays 200 and /readyz says 503; when it returns, service resumes unrestarted."""
    url = cluster.url("people")
    subprocess.run(
        [str(BIN / "people-api"), "db", "upgrade"],
        env={**os.environ, "PEOPLE_API_DATABASE_URL": url},
        check=True,
    )
    env = {"PEOPLE_API_STATEMENT_TIMEOUT": str(TIMEOUT)}
    hooks = {"event_hooks": {"response": [recorder.record]}}
    with (
        serving(url, env=env) as server,
        AuthenticatedClient(
            base_url=server.url, token=OPEN_SERVER_TOKEN, httpx_args=hooks, timeout=httpx.Timeout(30)
        ) as client,
    ):
        created = create_user.sync_detailed(
            client=client, body=UserCreate(name="Ada", email="ada@example.com")
        )
        assert isinstance(created.parsed, User)
        user_id = created.parsed.id

        cluster.stop()
        calls: dict[str, Callable[[], object]] = {
            "list_users": lambda: list_users.sync_detailed(client=client),
            "create_user": lambda: create_user.sync_detailed(
                client=client, body=UserCreate(name="B", email=f"{uuid.uuid4().hex}@x.io")
            ),
            "get_user": lambda: get_user.sync_detailed(user_id, client=client),
            "replace_user": lambda: replace_user.sync_detailed(
                user_id, client=client, body=UserReplace(name="C", email="c@x.io")
            ),
            "update_user": lambda: update_user.sync_detailed(
                user_id, client=client, body=UserPatch(name="D")
            ),
            "delete_user": lambda: delete_user.sync_detailed(user_id, client=client),
            "readiness": lambda: readiness.sync_detailed(client=client),
        }
        for name, call in calls.items():
            response, elapsed = timed(call)
            assert response.status_code == 503, name  # type: ignore[attr-defined]
            assert isinstance(response.parsed, Problem), name  # type: ignore[attr-defined]
            assert int(response.headers["Retry-After"]) > 0, name  # type: ignore[attr-defined]
            assert elapsed < 2 * TIMEOUT + 1, (name, elapsed)
        assert health.sync_detailed(client=client).status_code == 200

        cluster.start()
        deadline = time.monotonic() + 30
        while readiness.sync_detailed(client=client).status_code != 200:
            assert time.monotonic() < deadline, "the service did not recover within 30 s"
            time.sleep(0.5)
        assert get_user.sync_detailed(user_id, client=client).status_code == 200
        assert server.process.poll() is None
