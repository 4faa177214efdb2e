"""Writers on an embedded database take turns on its writer lock file, readers never wait for one."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import flask
import pytest
import sqlalchemy as sa
from wire import USERS

from people_api.config import Settings
from people_api.storage import engines, writelock
from people_api.storage.fastpath import HotStatement
from people_api.storage.writelock import TurnTimeout
from people_api.web.errors import RETRY_AFTER_SECONDS

_NOTE = sa.table("notes", sa.column("text"))


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "turns.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE notes (text TEXT)")
    engine.dispose()
    return path


@pytest.fixture
def engine(database: Path) -> Iterator[sa.Engine]:
    """The service's engine on that file, with a one-second statement timeout."""
    engine = engines.create_engine(Settings(database_url=f"sqlite:///{database}", statement_timeout=1))
    yield engine
    engine.dispose()


@pytest.fixture
def held_elsewhere(database: Path) -> Iterator[None]:
    """The writer lock, held by another open file, as another worker's connection would hold it."""
    lock = os.open(f"{database}-writer", os.O_RDWR | os.O_CREAT)
    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    yield
    os.close(lock)


def _taken(database: Path) -> bool:
    lock = os.open(f"{database}-writer", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(lock)
    return False


def test_a_writing_connection_holds_the_turn_until_it_returns_to_the_pool(
    engine: sa.Engine, database: Path
) -> None:
    with engine.begin() as conn:
        conn.execute(_NOTE.insert().values(text="mine"))
        during = _taken(database)

    assert (during, _taken(database)) == (True, False)


def test_a_reading_connection_takes_no_turn(engine: sa.Engine, database: Path) -> None:
    with engine.connect() as conn:
        conn.execute(sa.select(_NOTE.c.text)).all()
        assert not _taken(database)


@pytest.mark.usefixtures("held_elsewhere")
def test_reads_go_on_while_another_connection_writes(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(_NOTE)).scalar_one() == 0


@pytest.mark.usefixtures("held_elsewhere")
def test_a_writer_that_never_gets_its_turn_gives_up_after_the_statement_timeout(engine: sa.Engine) -> None:
    started = time.monotonic()
    with pytest.raises(TurnTimeout), engine.begin() as conn:
        conn.execute(_NOTE.insert().values(text="late"))

    assert 1 <= time.monotonic() - started < 3


@pytest.mark.usefixtures("held_elsewhere")
def test_a_write_on_the_driver_connection_waits_for_its_turn_too(engine: sa.Engine) -> None:
    insert = HotStatement(engine, _NOTE.insert().values(text=sa.bindparam("text")).returning(_NOTE.c.text))

    with pytest.raises(TurnTimeout):
        insert.commit({"text": "late"})


@pytest.mark.usefixtures("held_elsewhere")
def test_a_batch_write_waits_for_its_turn_too(engine: sa.Engine) -> None:
    """executemany (the import's batches) passes the dialect's do_executemany, where the turn is taken."""
    with pytest.raises(TurnTimeout), engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO notes (text) VALUES (?)", [("one",), ("two",)])


@pytest.mark.usefixtures("held_elsewhere")
def test_a_write_without_parameters_waits_for_its_turn_too(engine: sa.Engine) -> None:
    """A statement with no parameters (DDL, migrations) passes do_execute_no_params: it takes its turn."""
    with pytest.raises(TurnTimeout), engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO notes (text) VALUES ('late')")


def test_a_create_that_never_gets_its_turn_answers_503(
    sqlite_app: flask.Flask, assert_problem: Callable[..., None]
) -> None:
    """A writer that waited the statement timeout for its turn is a busy database: 503, retry later."""
    database = sqlite_app.extensions["people_api.engine"].url.database
    lock = os.open(f"{database}-writer", os.O_RDWR | os.O_CREAT)
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        response = sqlite_app.test_client().post(USERS, json={"name": "Late", "email": "late@example.com"})
    finally:
        os.close(lock)

    assert_problem(response, 503, "The database is unavailable; retry shortly.")
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)


def test_a_waiting_writer_writes_once_the_turn_is_free(
    engine: sa.Engine, database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lock = os.open(f"{database}-writer", os.O_RDWR | os.O_CREAT)
    fcntl.flock(lock, fcntl.LOCK_EX)
    waits: list[float] = []

    def pause(seconds: float) -> None:
        if not waits:
            os.close(lock)  # another worker, done once ours waits for it
        waits.append(seconds)
        time.sleep(seconds)

    monkeypatch.setattr(writelock, "time", SimpleNamespace(monotonic=time.monotonic, sleep=pause))
    with engine.begin() as conn:
        conn.execute(_NOTE.insert().values(text="after"))

    with engine.connect() as conn:
        assert (conn.execute(sa.select(_NOTE.c.text)).scalars().all(), len(waits)) == (["after"], 1)


def test_an_in_memory_database_writes_without_turns() -> None:
    engine = engines.create_engine(Settings(database_url="sqlite://"))
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE notes (text TEXT)")
        conn.execute(_NOTE.insert().values(text="alone"))

    with engine.connect() as conn:
        assert conn.execute(sa.select(_NOTE.c.text)).scalars().all() == ["alone"]
