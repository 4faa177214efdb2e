"""The import's SQL: one INSERT ... ON CONFLICT DO NOTHING per batch, and what it skipped."""

from __future__ import annotations

import functools
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from people_api.storage.tables import users
from people_api.users.bulk.preparing import (
    INSERT_COLUMNS,
    BatchPreparer,
    Converter,
    PreparedUsers,
    bind_processors,
)


class Repeated(NamedTuple):
    """A row skipped because a user added earlier by the same import has its email or id."""

    position: int  # in the batch
    field: Literal["email", "id"]


@dataclass(frozen=True, slots=True)
class ImportedBatch:
    """What became of each row of one batch; positions index the batch."""

    inserted: int
    # A user that was there before the import began has this row's email or id: skipped, not an error.
    existing: list[int]
    repeated: list[Repeated]


# Rows per lookup when sorting skipped rows out; two bound parameters each, far below any engine's limit.
_LOOKUP_CHUNK = 500
_NEWEST = sa.select(sa.func.max(users.c.seq))
# For the importing connection only: a 64 MiB page cache keeps the hot pages of the three indexes
# (unique id, unique email, name) in memory, and checkpointing the WAL every ~100 MiB instead of every
# 4 MiB copies each index page into the database file once per many batches instead of once per batch.
# Durability is the server's (synchronous=NORMAL, storage/engines.py): a reported batch survives a
# crash of the process.
_SQLITE_BULK_PRAGMAS = ("PRAGMA cache_size = -65536", "PRAGMA wal_autocheckpoint = 25000")


@functools.cache
def _bulk_insert(dialect: sa.Dialect) -> tuple[str, bool]:
    """The import INSERT for this engine's dialect: its SQL, and whether it takes named parameters."""
    from sqlalchemy.dialects import postgresql, sqlite

    insert = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
    # No conflict target: any unique constraint (email_key or id) makes the row a no-op.
    compiled = (
        insert(users)
        .on_conflict_do_nothing()
        .compile(dialect=dialect, column_keys=list(INSERT_COLUMNS), for_executemany=True)
    )
    if compiled.positiontup is not None and tuple(compiled.positiontup) != INSERT_COLUMNS:
        raise RuntimeError(f"unexpected parameter order {compiled.positiontup}")  # pragma: no cover
    return str(compiled), compiled.positiontup is None


class BulkInserts:
    """Batches of users written in one statement each; the database decides what is taken."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def last_seq(self) -> int:
        """The creation-order key of the newest user, 0 when there are none: an import's watermark."""
        with self._engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(users.c.seq), 0))).scalar_one())

    def preparer(self) -> BatchPreparer:
        """What turns NewUsers into a batch for `insert` on this database."""
        return BatchPreparer(type(self._engine.dialect))

    def insert(self, batch: PreparedUsers, *, since: int) -> ImportedBatch:
        """Insert `batch` in one transaction, skipping each user whose email (in any case) or id is taken.

        The database decides, with INSERT ... ON CONFLICT DO NOTHING, so a re-run or a concurrent writer
        never makes a duplicate. A skipped user is `repeated` when the user in its way was added after
        `since` (the importer's watermark from `last_seq`, so: by an earlier user of the same import),
        and `existing` otherwise.
        """
        if not batch:
            return ImportedBatch(inserted=0, existing=[], repeated=[])
        sql, keyed = _bulk_insert(self._engine.dialect)
        # The driver's executemany: one prepared statement for every row, no per-row work in SQLAlchemy.
        rows = batch.rows()
        parameters: list[Any] = (
            [dict(zip(INSERT_COLUMNS, row, strict=True)) for row in rows] if keyed else rows
        )
        # Read before the write transaction, which must begin with its write: on SQLite a transaction
        # that reads first cannot take the write lock once another writer has committed.
        before = self.last_seq()
        with self._engine.begin() as conn:
            if self._engine.dialect.name == "sqlite":
                for pragma in _SQLITE_BULK_PRAGMAS:
                    conn.exec_driver_sql(pragma)
            inserted = conn.exec_driver_sql(sql, parameters).rowcount
            if inserted == len(batch):
                return ImportedBatch(inserted=inserted, existing=[], repeated=[])
            skipped = self._skipped(conn, batch, before)
            taken = self._taken_since(
                conn,
                ids=[batch.id[position] for position in skipped],
                keys=[batch.email_key[position] for position in skipped],
                since=since,
            )
        return ImportedBatch(
            inserted=len(batch) - len(skipped),
            existing=[position for position, field in zip(skipped, taken, strict=True) if field is None],
            repeated=[
                Repeated(position, field)
                for position, field in zip(skipped, taken, strict=True)
                if field is not None
            ],
        )

    def _id_converters(self) -> tuple[Converter, Converter]:
        """An id as prepared users hold it from a UUID, and back."""
        dialect = self._engine.dialect
        to_uuid = users.c.id.type.dialect_impl(dialect).result_processor(dialect, None)
        return bind_processors(type(dialect))["id"], to_uuid or (lambda value: value)

    def _skipped(self, conn: Connection, batch: PreparedUsers, before: int) -> list[int]:
        """Positions of the users the INSERT skipped: those not among the users added after `before`
        (which may include a concurrent writer's, but never with this batch's fresh ids)."""
        to_prepared_id, _ = self._id_converters()
        added = Counter(
            (to_prepared_id(user.id), user.email_key)
            for user in conn.execute(sa.select(users.c.id, users.c.email_key).where(users.c.seq > before))
        )
        skipped: list[int] = []
        for position, key in enumerate(zip(batch.id, batch.email_key, strict=True)):
            if added[key]:
                added[key] -= 1
            else:
                skipped.append(position)
        return skipped

    def _taken_since(
        self, conn: Connection, *, ids: list[Any], keys: list[str], since: int
    ) -> list[Literal["email", "id"] | None]:
        """For each prepared (id, email key), the field a user added after `since` already has, if any."""
        newest: int | None = conn.execute(_NEWEST).scalar_one()
        if newest is None or newest <= since:
            return [None] * len(ids)  # nothing was added since: every collision is with an existing user
        _, to_uuid = self._id_converters()
        uuids = [to_uuid(prepared) for prepared in ids]
        taken_keys: set[str] = set()
        taken_ids: set[uuid.UUID] = set()
        for start in range(0, len(ids), _LOOKUP_CHUNK):
            query = sa.select(users.c.id, users.c.email_key).where(
                users.c.seq > since,
                sa.or_(
                    users.c.email_key.in_(keys[start : start + _LOOKUP_CHUNK]),
                    users.c.id.in_(uuids[start : start + _LOOKUP_CHUNK]),
                ),
            )
            for user in conn.execute(query):
                taken_keys.add(user.email_key)
                taken_ids.add(user.id)
        return [
            "email" if key in taken_keys else "id" if user_id in taken_ids else None
            for key, user_id in zip(keys, uuids, strict=True)
        ]
