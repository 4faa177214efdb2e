"""The database a one-off command works on."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

import click

from people_api.cli.settings import load

if TYPE_CHECKING:
    import sqlalchemy as sa


@contextlib.contextmanager
def command_engine() -> Iterator[sa.Engine]:
    """PEOPLE_API_DATABASE_URL for one command, migrated first when embedded, refused in one line when
    its schema is not up to date; its connections close when it ends."""
    from people_api.storage import engines, migrations

    engine = engines.create_engine(load())
    try:
        with refusal_explained():
            migrations.upgrade_if_embedded(engine)
        require_migrated(engine)
        yield engine
    finally:
        engine.dispose()


def require_migrated(engine: sa.Engine) -> None:
    """A one-line error (exit status 1) if the database's schema is not up to date. A database that is
    away passes: each command reports that in its own way, and `serve` starts to wait for it."""
    from people_api.storage import engines, migrations

    try:
        migrations.require_current(engine)
    except migrations.NotMigrated as error:
        raise click.ClickException(str(error)) from None
    except engines.UNAVAILABLE:
        pass


@contextlib.contextmanager
def refusal_explained() -> Iterator[None]:
    """A migration that refuses (data only a person can decide about) ends the command with its message
    and exit status 1, not a traceback."""
    from people_api.storage import migrations

    try:
        yield
    except migrations.MigrationRefused as error:
        raise click.ClickException(str(error)) from None
