"""Crash safety: `people-api serve` and its granian workers are SIGKILLed under a write load, then
restarted on the same database. Whatever a client was told succeeded is stored, exactly as told;
nothing half-written is; and the restarted server serves as if nothing happened."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from conftest import ENGINE, USERS, fresh_database, launched_as_group, unused_port
from sqlalchemy.pool import NullPool

from people_api.config import Settings
from people_api.storage import engines

WRITERS = 4
PATCHES = 3  # per created user
ACKNOWLEDGED_BEFORE_KILL = 150


@dataclasses.dataclass
class Ledger:
    """One writer's view: the last 2xx body per user, acknowledged keys, and the request cut short."""

    users: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    versions: dict[str, int] = dataclasses.field(default_factory=dict)
    keys: dict[str, tuple[dict[str, str], bytes]] = dataclasses.field(default_factory=dict)
    pending: tuple[str, dict[str, str]] | None = None  # (user id or "create", body) of the cut request
    refused: list[str] = dataclasses.field(default_factory=list)  # answers that were not 2xx
    acknowledged: int = 0  # 2xx answers so far
    cut: bool = False  # the writer stopped on a transport error


def write_until_killed(base_url: str, ledger: Ledger) -> None:
    """Create a user (with an Idempotency-Key), PATCH it PATCHES times with If-Match; repeat until cut."""
    client = httpx.Client(base_url=base_url, timeout=30)

    def send(method: str, path: str, target: str, body: dict[str, str], header: tuple[str, str]) -> Any:
        ledger.pending = (target, body)
        response = client.request(method, path, json=body, headers=[header])
        if not response.is_success:
            ledger.refused.append(f"{method} {path} -> {response.status_code} {response.text}")
            raise RuntimeError("refused")
        user: dict[str, Any] = response.json()
        ledger.users[user["id"]] = user
        ledger.versions[user["id"]] = int(response.headers["ETag"].strip('"'))
        ledger.pending, ledger.acknowledged = None, ledger.acknowledged + 1
        return response

    with client, contextlib.suppress(RuntimeError):
        try:
            while True:
                body, key = {"name": "writer", "email": f"{uuid.uuid4().hex}@example.com"}, uuid.uuid4().hex
                created = send("POST", USERS, "create", body, ("Idempotency-Key", key))
                ledger.keys[key] = (body, created.content)
                user_id, path = created.json()["id"], created.headers["Location"]
                for number in range(PATCHES):
                    etag = f'"{ledger.versions[user_id]}"'
                    send("PATCH", path, user_id, {"name": f"patch-{number}"}, ("If-Match", etag))
        except httpx.TransportError:
            ledger.cut = True


def assert_port_closes(port: int) -> None:
    """Nothing accepts on `port` within 10 s: no worker outlived the SIGKILL of its group."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            return
        time.sleep(0.1)
    pytest.fail(f"something still accepts on port {port} after the SIGKILL")


@dataclasses.dataclass(frozen=True)
class Aftermath:
    database_url: str
    server: str  # the restarted server
    ledgers: list[Ledger]


@pytest.fixture(scope="module")
def aftermath(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Aftermath]:
    """Load a server with WRITERS writers, SIGKILL its whole process group, restart it on the same port."""
    directory: Path = tmp_path_factory.mktemp("crash")
    with fresh_database(ENGINE, directory) as url:
        port, ledgers = unused_port(), [Ledger() for _ in range(WRITERS)]
        base_url = f"http://127.0.0.1:{port}"
        with launched_as_group(url, port, "--workers", "2", "--threads", "4") as process:
            threads = [
                threading.Thread(target=write_until_killed, args=(base_url, ledger)) for ledger in ledgers
            ]
            for thread in threads:
                thread.start()
            deadline = time.monotonic() + 20
            while sum(ledger.acknowledged for ledger in ledgers) < ACKNOWLEDGED_BEFORE_KILL:
                assert all(thread.is_alive() for thread in threads), [ledger.refused for ledger in ledgers]
                assert time.monotonic() < deadline, "the writers were too slow"
                time.sleep(0.01)
            os.killpg(process.pid, signal.SIGKILL)
            for thread in threads:
                thread.join(timeout=30)
        assert [(ledger.refused, ledger.cut) for ledger in ledgers] == [([], True)] * WRITERS
        assert_port_closes(port)
        with launched_as_group(url, port, "--workers", "2", "--threads", "4"):
            yield Aftermath(url, base_url, ledgers)


def read_table(database_url: str, name: str) -> list[sa.Row[Any]]:
    """Every row of the table, read with SQLAlchemy straight from the database, not through the server."""
    engine = sa.create_engine(database_url, poolclass=NullPool)
    with engine.connect() as conn:
        rows = list(conn.execute(sa.select(sa.Table(name, sa.MetaData(), autoload_with=conn))))
    engine.dispose()
    return rows


def test_every_acknowledged_write_survives_the_kill(aftermath: Aftermath) -> None:
    """Each user a 2xx named is stored as that answer said, or one step on by the write the kill cut short."""
    with httpx.Client(base_url=aftermath.server, timeout=30) as client:
        for ledger in aftermath.ledgers:
            for user_id, acknowledged in ledger.users.items():
                stored = client.get(f"{USERS}/{user_id}")
                version = int(stored.headers["ETag"].strip('"'))
                if version == ledger.versions[user_id]:
                    assert stored.json() == acknowledged
                else:  # The PATCH in flight at the kill committed; only its answer was lost.
                    now, same = stored.json(), ("id", "email", "created_at")
                    assert version == ledger.versions[user_id] + 1
                    assert ledger.pending == (user_id, {"name": now["name"]})
                    assert {k: now[k] for k in same} == {k: acknowledged[k] for k in same}


def test_no_user_exists_that_no_writer_sent(aftermath: Aftermath) -> None:
    """The stored users are the acknowledged creates plus at most the one create each writer had in flight."""
    acknowledged = {user_id for ledger in aftermath.ledgers for user_id in ledger.users}
    in_flight = {
        ledger.pending[1]["email"]
        for ledger in aftermath.ledgers
        if ledger.pending is not None and ledger.pending[0] == "create"
    }
    stored = {str(uuid.UUID(str(row.id))): row.email for row in read_table(aftermath.database_url, "users")}
    assert acknowledged <= stored.keys()
    assert {email for user_id, email in stored.items() if user_id not in acknowledged} <= in_flight


def test_no_stored_row_is_partial(aftermath: Aftermath) -> None:
    """Every user row is whole and consistent; every finished idempotency record holds its whole response."""
    rows = read_table(aftermath.database_url, "users")
    records = read_table(aftermath.database_url, "idempotency_keys")
    assert len(rows) >= ACKNOWLEDGED_BEFORE_KILL // (PATCHES + 1)
    for row in rows:
        assert None not in row, row
        assert row.email_key == row.email.lower(), row
        assert 1 <= row.version <= PATCHES + 1, row
        assert row.updated_at >= row.created_at, row
    # Every create carried a key, completed in the user's own transaction: one finished record per user,
    # and at most one claim per writer left unfinished by the kill.
    finished = [record for record in records if record.response_status is not None]
    assert len(records) - len(finished) <= WRITERS
    for record in finished:
        assert (record.response_status, None in record) == (201, False), record
    created = {uuid.UUID(json.loads(record.response_body)["id"]) for record in finished}
    assert created == {uuid.UUID(str(row.id)) for row in rows}


def test_acknowledged_idempotency_keys_replay_after_the_kill(aftermath: Aftermath) -> None:
    """A retry of any acknowledged create, with its key and body, gets the original 201 back byte for byte."""
    with httpx.Client(base_url=aftermath.server, timeout=30) as client:
        for ledger in aftermath.ledgers:
            for key, (body, content) in ledger.keys.items():
                retry = client.post(USERS, json=body, headers={"Idempotency-Key": key})
                assert (retry.status_code, retry.headers["Idempotent-Replayed"]) == (201, "true")
                assert retry.content == content


def test_the_server_engine_commits_as_the_readme_states(aftermath: Aftermath) -> None:
    """What a SIGKILL cannot test, power loss: the server's connections commit as README's "Durability"
    states (SQLite: WAL with synchronous=NORMAL, synced at checkpoints; PostgreSQL: synchronous_commit=on,
    a flush to disk at every commit)."""
    engine = engines.create_engine(Settings(database_url=aftermath.database_url))
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            settings = [
                conn.exec_driver_sql(f"PRAGMA {name}").scalar() for name in ("journal_mode", "synchronous")
            ]
            assert settings == ["wal", 1]  # 1 is NORMAL
        else:
            assert conn.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"
    engine.dispose()


def test_the_restarted_server_serves_normally(aftermath: Aftermath) -> None:
    """After the restart /readyz is 200 and a create, read and delete work as ever."""
    with httpx.Client(base_url=aftermath.server, timeout=30) as client:
        assert client.get("/readyz").status_code == 200
        created = client.post(USERS, json={"name": "After", "email": f"{uuid.uuid4().hex}@example.com"})
        assert (created.status_code, created.headers["ETag"]) == (201, '"1"')
        assert client.get(created.headers["Location"]).json() == created.json()
        assert client.delete(created.headers["Location"]).status_code == 204
