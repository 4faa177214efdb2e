"""The client-side clock on every PostgreSQL wait, and failing fast while the server does not answer."""

from __future__ import annotations

import time
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from people_api.config import Settings
from people_api.storage import dbguard, engines


def timed_connect(engine: Engine) -> tuple[type[BaseException] | None, float]:
    """Open and close one connection (the first runs the dialect's own queries): what it raised, how long."""
    started = time.monotonic()
    try:
        with engine.connect():
            pass
    except sa.exc.SQLAlchemyError as error:
        return type(error), time.monotonic() - started
    return None, time.monotonic() - started


def test_a_query_the_server_never_answers_fails_half_a_second_after_the_statement_timeout(
    hung_engine: Engine,
) -> None:
    """A server that took the connection and then says nothing cannot hold a caller longer than 1.5 s."""
    raised, elapsed = timed_connect(hung_engine)

    assert raised is sa.exc.OperationalError
    assert 1.5 <= elapsed < 2.5, elapsed


def test_after_a_wait_ran_out_new_connections_fail_at_once(hung_engine: Engine) -> None:
    """Once the server has failed to answer, callers are refused without waiting their own timeout."""
    timed_connect(hung_engine)

    raised, elapsed = timed_connect(hung_engine)

    assert raised is sa.exc.OperationalError
    assert elapsed < 0.1, elapsed


def test_a_connection_the_server_never_completes_fails_after_the_connect_timeout(mute_engine: Engine) -> None:
    """connect_timeout is the statement timeout, counted on the client's clock."""
    raised, elapsed = timed_connect(mute_engine)

    assert raised is sa.exc.OperationalError
    assert 2 <= elapsed < 3, elapsed


def test_a_connection_that_timed_out_makes_the_next_fail_at_once(mute_engine: Engine) -> None:
    """A connection attempt that ran out stops the next ones from waiting too."""
    timed_connect(mute_engine)

    raised, elapsed = timed_connect(mute_engine)

    assert raised is sa.exc.OperationalError
    assert elapsed < 0.1, elapsed


def test_a_wait_psycopg_bounds_itself_keeps_its_own_bound(hung_postgres_url: str) -> None:
    """psycopg's own timed waits (here: notifications) end on their timeout and leave the connection open."""
    guard = dbguard.Guard(sa.create_engine("postgresql+psycopg://"), statement_timeout=1)
    url = sa.make_url(hung_postgres_url)
    conn = guard.connect((), {"host": url.host, "port": url.port, "user": url.username, **url.query})

    notifications = list(conn.notifies(timeout=0.1))

    assert (notifications, conn.closed, guard.stuck) == ([], False, False)
    conn.close()


@pytest.mark.postgres
def test_connections_go_through_again_once_a_probe_reaches_the_server(settings: Settings) -> None:
    """While stuck, a connection attempt starts a probe in the background; when it connects, so do callers."""
    engine = sa.create_engine(settings.database_url)
    guard = dbguard.install(engine, statement_timeout=1)
    guard.trip()
    deadline = time.monotonic() + dbguard.PROBE_INTERVAL_SECONDS + 5

    while timed_connect(engine)[0] is not None:
        assert time.monotonic() < deadline, "no probe reopened the way"
        time.sleep(0.1)

    assert guard.stuck is False
    engine.dispose()


def test_a_guard_tripped_in_one_worker_fails_every_other_worker_at_once(
    hung_postgres_url: str, tmp_path: Path
) -> None:
    """Workers of one server (engines given the server's shared folder) share the verdict: after one
    worker waited out the bound, another's first connection fails at once instead of waiting too."""
    settings = Settings(database_url=hung_postgres_url, statement_timeout=1, metrics_dir=str(tmp_path))
    first, second = engines.create_engine(settings), engines.create_engine(settings)
    timed_connect(first)

    raised, elapsed = timed_connect(second)

    assert raised is sa.exc.OperationalError
    assert elapsed < 0.1, elapsed
    first.dispose()
    second.dispose()


def test_an_open_connection_fails_at_once_once_another_worker_tripped(hung_postgres_url: str) -> None:
    """A connection already open (a pooled one) does not wait out the bound either: it is closed and
    fails at once."""
    guard = dbguard.Guard(sa.create_engine("postgresql+psycopg://"), statement_timeout=1)
    url = sa.make_url(hung_postgres_url)
    conn = guard.connect((), {"host": url.host, "port": url.port, "user": url.username, **url.query})
    guard.stuck = True  # as another worker sets it

    started = time.monotonic()
    with pytest.raises(psycopg.OperationalError):
        conn.execute("SELECT 1")

    assert (time.monotonic() - started < 0.1, conn.closed) == (True, True)
