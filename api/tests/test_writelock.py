"""Writers on an embedded database take turns on its writer lock file, readers never wait for one."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from people_api.config import Settings
from people_api.storage import engines
from people_api.storage.prepared import Prepared

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
    with pytest.raises(sa.exc.OperationalError, match="database is locked"), engine.begin() as conn:
        conn.execute(_NOTE.insert().values(text="late"))

    assert 1 <= time.monotonic() - started < 3


@pytest.mark.usefixtures("held_elsewhere")
def test_a_write_on_the_driver_connection_waits_for_its_turn_too(engine: sa.Engine) -> None:
    insert = Prepared(engine, _NOTE.insert().values(text=sa.bindparam("text")).returning(_NOTE.c.text))

    with pytest.raises(sa.exc.OperationalError, match="database is locked"):
        insert.commit({"text": "late"})


def test_a_waiting_writer_writes_once_the_turn_is_free(engine: sa.Engine, database: Path) -> None:
    lock = os.open(f"{database}-writer", os.O_RDWR | os.O_CREAT)
    fcntl.flock(lock, fcntl.LOCK_EX)
    threading.Timer(0.2, os.close, [lock]).start()  # another worker, done shortly after we ask
    with engine.begin() as conn:
        conn.execute(_NOTE.insert().values(text="after"))

    with engine.connect() as conn:
        assert conn.execute(sa.select(_NOTE.c.text)).scalars().all() == ["after"]


def test_an_in_memory_database_writes_without_turns() -> None:
    engine = engines.create_engine(Settings(database_url="sqlite://"))
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE notes (text TEXT)")
        conn.execute(_NOTE.insert().values(text="alone"))

    with engine.connect() as conn:
        assert conn.execute(sa.select(_NOTE.c.text)).scalars().all() == ["alone"]
