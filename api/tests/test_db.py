"""The database module: engine tuning per backend and the Alembic-owned schema."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import cast

import flask
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.pool import QueuePool

from people_api.config import Settings
from people_api.storage import engines, migrations, tables


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[sa.Engine]:
    """An engine on a SQLite file, whatever engine the rest of the suite is using."""
    engine = engines.create_engine(Settings(database_url=f"sqlite:///{tmp_path / 'pragmas.db'}"))
    yield engine
    engine.dispose()


def test_sqlite_engine_uses_wal_journal(sqlite_engine: sa.Engine) -> None:
    """Every SQLite connection runs in WAL mode so readers do not block behind the writer."""
    with sqlite_engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_upgrade_if_embedded_migrates_sqlite(sqlite_engine: sa.Engine) -> None:
    """An embedded database is brought to head by the process that opens it."""
    migrations.upgrade_if_embedded(sqlite_engine)

    assert "users" in sa.inspect(sqlite_engine).get_table_names()


def test_upgrade_if_embedded_leaves_postgresql_to_db_upgrade(monkeypatch: pytest.MonkeyPatch) -> None:
    """A shared database is not migrated by whichever process opens it (this one is unreachable too)."""
    upgrades: list[object] = []
    monkeypatch.setattr(migrations, "upgrade", lambda *args: upgrades.append(args))
    engine = engines.create_engine(Settings(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none"))

    migrations.upgrade_if_embedded(engine)

    assert upgrades == []


def test_postgresql_engine_keeps_a_pool_of_ten() -> None:
    """A PostgreSQL engine pools 10 connections per process; building it connects nowhere."""
    engine = engines.create_engine(Settings(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none"))

    assert (engine.dialect.name, cast(QueuePool, engine.pool).size()) == ("postgresql", 10)


@pytest.mark.postgres
def test_postgresql_connections_carry_the_statement_timeout(app: flask.Flask) -> None:
    """PostgreSQL sessions cancel statements and lock waits after PEOPLE_API_STATEMENT_TIMEOUT seconds."""
    with app.extensions["people_api.engine"].connect() as conn:
        timeouts = (
            conn.exec_driver_sql("SHOW statement_timeout").scalar(),
            conn.exec_driver_sql("SHOW lock_timeout").scalar(),
        )

    assert timeouts == ("5s", "5s")


def test_upgrade_creates_the_users_table(app: flask.Flask) -> None:
    """After upgrade the users table has its columns and the case-insensitive email key is unique."""
    inspector = sa.inspect(app.extensions["people_api.engine"])

    columns = {column["name"] for column in inspector.get_columns("users")}
    unique = {tuple(constraint["column_names"]) for constraint in inspector.get_unique_constraints("users")}

    assert columns == {"seq", "id", "name", "email", "email_key", "version", "created_at", "updated_at"}
    assert unique == {("id",), ("email_key",)}


def test_migrations_match_the_table_definitions(app: flask.Flask) -> None:
    """The Alembic head and tables.metadata describe the same schema (autogenerate finds nothing to do)."""
    with app.extensions["people_api.engine"].connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), tables.metadata)

    assert differences == []


def test_upgrade_twice_is_a_no_op(app: flask.Flask) -> None:
    """Running the migrations on a database already at head changes nothing."""
    engine = app.extensions["people_api.engine"]
    with engine.connect() as conn:
        before = MigrationContext.configure(conn).get_current_heads()

    migrations.upgrade(engine)

    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_heads() == before != ()


def _columns(engine: sa.Engine) -> dict[str, list[str]]:
    inspector = sa.inspect(engine)
    tables = [table for table in inspector.get_table_names() if table != "alembic_version"]
    return {table: sorted(column["name"] for column in inspector.get_columns(table)) for table in tables}


def test_each_downgrade_undoes_its_upgrade(
    empty_engine: sa.Engine, downgrade: Callable[[sa.Engine, str], None]
) -> None:
    """Up one revision at a time, then down one at a time: each step down leaves the tables and columns
    the step up found."""
    revisions = [s.revision for s in ScriptDirectory(str(migrations._migrations_dir())).walk_revisions()]
    before = {}
    for revision, below in zip(reversed(revisions), ["base", *reversed(revisions[1:])], strict=True):
        before[revision] = (below, _columns(empty_engine))
        migrations.upgrade(empty_engine, revision)
    for revision in revisions:
        below, columns = before[revision]
        downgrade(empty_engine, below)
        assert _columns(empty_engine) == columns, revision
