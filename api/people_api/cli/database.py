"""The database a one-off command works on."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import sqlalchemy as sa

from people_api.config import Settings
from people_api.storage import engines, migrations


@contextlib.contextmanager
def command_engine() -> Iterator[sa.Engine]:
    """PEOPLE_API_DATABASE_URL for one command, migrated first when embedded; its connections close
    when it ends."""
    engine = engines.create_engine(Settings.from_env())
    try:
        migrations.upgrade_if_embedded(engine)
        yield engine
    finally:
        engine.dispose()
