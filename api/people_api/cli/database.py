"""The database a one-off command works on."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from people_api.cli.settings import load

if TYPE_CHECKING:
    import sqlalchemy as sa


@contextlib.contextmanager
def command_engine() -> Iterator[sa.Engine]:
    """PEOPLE_API_DATABASE_URL for one command, migrated first when embedded; its connections close
    when it ends."""
    from people_api.storage import engines, migrations

    engine = engines.create_engine(load())
    try:
        migrations.upgrade_if_embedded(engine)
        yield engine
    finally:
        engine.dispose()
