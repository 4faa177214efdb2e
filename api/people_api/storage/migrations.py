"""Migrations: Alembic brings the schema to the newest revision, on either engine."""

from __future__ import annotations

import functools
from pathlib import Path

from sqlalchemy.engine import Engine

UPGRADE_HINT = "run `people-api db upgrade`"


class NotMigrated(Exception):
    """The database's schema is older than this version of people-api needs."""


class MigrationRefused(Exception):
    """A migration met data only a person can decide about; it changed nothing, and its message says
    what to do before running it again."""


def _migrations_dir() -> Path:
    # Installed wheels carry the migrations inside the package; a source checkout keeps them in api/.
    here = Path(__file__).resolve().parents[1]  # the people_api package
    for candidate in (here / "migrations", here.parent / "migrations"):
        if (candidate / "env.py").is_file():
            return candidate
    raise FileNotFoundError("people_api migrations directory not found")


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` with Alembic."""
    # Imported here: Alembic and Mako (about 6 MB) are needed once, not by every serving worker.
    from alembic import command
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(_migrations_dir()))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def upgrade_if_embedded(engine: Engine) -> None:
    """Migrate an embedded (SQLite) database to head; leave a shared one to `people-api db upgrade`.

    An embedded database belongs to this process alone, so it may migrate itself; a shared PostgreSQL
    is migrated once, deliberately, not by whichever of many instances starts first.
    """
    if engine.url.get_backend_name() == "sqlite":
        upgrade(engine)


@functools.cache
def _revisions() -> tuple[frozenset[str], frozenset[str]]:
    """The newest revisions of the migrations this version ships, and all of them (read once)."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory(str(_migrations_dir()))
    return frozenset(scripts.get_heads()), frozenset(script.revision for script in scripts.walk_revisions())


def require_current(engine: Engine) -> None:
    """Raise NotMigrated, saying to upgrade, unless the schema is at the newest revision or past it.

    Past it (a revision these migrations do not know) is a newer people-api's migration: while several
    versions run side by side during an upgrade, the older ones keep serving.
    """
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        current = frozenset(MigrationContext.configure(connection).get_current_heads())
    heads, known = _revisions()
    if current == heads or (current and not current <= known):
        return
    at = ", ".join(sorted(current)) or "no schema"
    raise NotMigrated(
        f"The database schema is not up to date (at {at}; this version needs {', '.join(sorted(heads))}): "
        f"{UPGRADE_HINT}."
    )
