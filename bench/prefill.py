"""A fresh database for each user count, prefilled through the import's own insert path."""

from __future__ import annotations

import contextlib
import os
import random
import uuid
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa

from people_api.config import Settings
from people_api.storage import engines, migrations
from people_api.users.bulk.inserts import BulkInserts
from people_api.users.bulk.preparing import NewUser

POSTGRES_ADMIN_URL = os.environ.get(
    "PEOPLE_API_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
# The import's own batch size: one million users commit in 20 transactions.
BATCH = 50_000
# How many existing users the requests that name one (get, PATCH) pick from.
SAMPLE = 20_000


@contextlib.contextmanager
def database(kind: str, folder: Path, users: int) -> Iterator[str]:
    """The URL of a new, empty database of the chosen engine, dropped afterwards."""
    if kind == "sqlite":
        path = folder / f"bench-{users}.db"
        try:
            yield f"sqlite:///{path}"
        finally:
            for leftover in folder.glob(f"{path.name}*"):  # the WAL and shared-memory files too
                leftover.unlink()
        return
    name = f"bench_{os.getpid()}_{users}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield sa.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


def prefill(url: str, count: int) -> list[str]:
    """Migrate the database at `url` and insert `count` users named "User <n>"; return the ids of up to
    SAMPLE of them, drawn from the whole table so that requests reach all of its index pages.

    BulkInserts is what `people-api users import` writes with (one executemany of values already
    converted for the driver per batch), minus reading and validating a file.
    """
    engine = engines.create_engine(Settings(database_url=url))
    migrations.upgrade(engine)
    inserts = BulkInserts(engine)
    prepare = inserts.preparer()
    chosen = set(random.sample(range(count), min(count, SAMPLE)))
    sample: list[str] = []
    for start in range(0, count, BATCH):
        batch = []
        for n in range(start, min(start + BATCH, count)):
            user_id = uuid.uuid4()
            batch.append(NewUser(name=f"User {n}", email=f"user{n}@example.com", id=user_id))
            if n in chosen:
                sample.append(str(user_id))
        inserted = inserts.insert(prepare(batch), since=0).inserted
        if inserted != len(batch):
            raise RuntimeError(f"prefill inserted {inserted} of {len(batch)} users")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if engine.dialect.name == "postgresql":
            # Fresh statistics, as autovacuum would have them on a table that grew over time.
            conn.exec_driver_sql("VACUUM ANALYZE users")
        else:
            # Every batch into the database file, so the server does not start on a 100 MB WAL.
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    random.shuffle(sample)
    return sample
