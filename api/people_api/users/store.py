"""Users in SQL (SQLAlchemy Core); no HTTP here."""

from __future__ import annotations

import functools
import os
import uuid
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from people_api.db import users


class UserNotFound(LookupError):
    """No user has this id."""


class EmailTaken(ValueError):
    """Another user already has this email, compared case-insensitively."""


class VersionMismatch(ValueError):
    """The user changed since the version the caller holds."""


@dataclass(frozen=True, slots=True)
class UserRow:
    """One stored user."""

    seq: int
    id: uuid.UUID
    name: str
    email: str
    version: int
    created_at: datetime
    updated_at: datetime


class NewUser(NamedTuple):
    """A user to import; a missing id or time is made as a create would make it."""

    name: str
    email: str
    id: uuid.UUID | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ImportedBatch:
    """What became of each row of one import batch; positions index the batch."""

    inserted: int
    # A user that was there before the import began has this row's email or id: skipped, not an error.
    existing: list[int]
    # A row added by this import since `since` already has this email or id: (position, field).
    repeated: list[tuple[int, str]]


# Rows per lookup when sorting skipped rows out; two bound parameters each, far below any engine's limit.
_LOOKUP_CHUNK = 500
_BULK_COLUMNS = ("id", "name", "email", "email_key", "version", "created_at", "updated_at")
_NEWEST = sa.select(sa.func.max(users.c.seq))
# For the importing connection only: a 64 MiB page cache keeps the hot pages of the three indexes
# (unique id, unique email, name) in memory, and checkpointing the WAL every ~100 MiB instead of every
# 4 MiB copies each index page into the database file once per many batches instead of once per batch.
# Every commit still syncs the WAL (synchronous=FULL): an import reports only durable users.
_SQLITE_BULK_PRAGMAS = ("PRAGMA cache_size = -65536", "PRAGMA wal_autocheckpoint = 25000")

# The import INSERT's parameter rows, in _BULK_COLUMNS order and as the driver takes them (on SQLite the
# id is hex text and times are text): made by an ImportPreparer, perhaps in another process.
PreparedUsers = list[tuple[Any, ...]]
Converter = Callable[[Any], Any]


def _once_each(convert: Converter) -> Converter:
    """`convert`, remembering its result for each distinct value (a batch shares one `now`)."""
    seen: dict[Any, Any] = {}

    def converted(value: Any) -> Any:
        if value not in seen:
            seen[value] = convert(value)
        return seen[value]

    return converted


_PROCESSORS: dict[type[sa.Dialect], list[Converter | None]] = {}


def _bind_processors(dialect_class: type[sa.Dialect]) -> list[Converter | None]:
    """SQLAlchemy's own conversion of each import column for this driver (None: taken as it is)."""
    if dialect_class not in _PROCESSORS:
        dialect = dialect_class()
        _PROCESSORS[dialect_class] = [
            users.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in _BULK_COLUMNS
        ]
    return _PROCESSORS[dialect_class]


@functools.cache
def _bulk_insert(dialect: sa.Dialect) -> tuple[str, bool]:
    """The import INSERT for this engine's dialect: its SQL, and whether it takes named parameters."""
    from sqlalchemy.dialects import postgresql, sqlite

    insert = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
    # No conflict target: any unique constraint (email_key or id) makes the row a no-op.
    compiled = (
        insert(users)
        .on_conflict_do_nothing()
        .compile(dialect=dialect, column_keys=list(_BULK_COLUMNS), for_executemany=True)
    )
    if compiled.positiontup is not None and tuple(compiled.positiontup) != _BULK_COLUMNS:
        raise RuntimeError(f"unexpected parameter order {compiled.positiontup}")  # pragma: no cover
    return str(compiled), compiled.positiontup is None


@dataclass(frozen=True, slots=True)
class ImportPreparer:
    """Turns NewUsers into import parameter rows for one database driver.

    It touches no database and pickles as the driver's dialect class, so the conversion work can run
    in the processes that validate, beside the one process that writes.
    """

    dialect_class: type[sa.Dialect]

    def __call__(self, rows: Sequence[NewUser]) -> PreparedUsers:
        """Each row with its id (a new UUID4 if missing), lower-cased email key, version 1 and times."""
        to_id, to_name, to_email, to_key, to_version, to_created, to_updated = (
            convert or _same for convert in _bind_processors(self.dialect_class)
        )
        # Times repeat (a batch shares its `now`), so each distinct one is converted once.
        to_created, to_updated = _once_each(to_created), _once_each(to_updated)
        now = datetime.now(UTC)
        version = to_version(1)
        # uuid4() for each row that has no id, with the random bytes fetched in one call.
        random = os.urandom(16 * sum(row.id is None for row in rows))
        fresh = (
            uuid.UUID(bytes=random[start : start + 16], version=4) for start in range(0, len(random), 16)
        )
        return [
            (
                to_id(row.id or next(fresh)),
                to_name(row.name),
                to_email(row.email),
                to_key(row.email.lower()),
                version,
                to_created(row.created_at or now),
                to_updated(row.updated_at or row.created_at or now),
            )
            for row in rows
        ]


def _same(value: Any) -> Any:
    return value


def _utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything stored is UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _row(row: Any) -> UserRow:
    return UserRow(
        seq=row.seq,
        id=row.id,
        name=row.name,
        email=row.email,
        version=row.version,
        created_at=_utc(row.created_at),
        updated_at=_utc(row.updated_at),
    )


_COLUMNS = (
    users.c.seq,
    users.c.id,
    users.c.name,
    users.c.email,
    users.c.version,
    users.c.created_at,
    users.c.updated_at,
)

# Statements are built once: constructing a Core statement per request cost more than running it
# (measured ~350 us of a ~560 us get_user lookup on SQLite). Values travel as bound parameters.
_INSERT = users.insert().returning(*_COLUMNS)
_BY_ID = sa.select(*_COLUMNS).where(users.c.id == sa.bindparam("user_id"))
_VERSIONS = users.c.version.in_(sa.bindparam("versions", expanding=True))
_DELETE = users.delete().where(users.c.id == sa.bindparam("user_id"))
_DELETE_IF = _DELETE.where(_VERSIONS)


@functools.cache
def _page_query(after: bool, name: bool, email: bool) -> sa.Select[Any]:
    query = sa.select(*_COLUMNS).order_by(users.c.seq).limit(sa.bindparam("limit"))
    if after:
        query = query.where(users.c.seq > sa.bindparam("after"))
    if name:
        query = query.where(users.c.name == sa.bindparam("name"))
    if email:
        query = query.where(users.c.email_key == sa.bindparam("email_key"))
    return query


@functools.cache
def _update_statement(columns: frozenset[str], conditional: bool) -> sa.Update:
    statement = users.update().where(users.c.id == sa.bindparam("user_id"))
    if conditional:
        statement = statement.where(_VERSIONS)
    values: dict[str, Any] = {column: sa.bindparam(f"new_{column}") for column in columns}
    return statement.values(version=users.c.version + 1, **values).returning(*_COLUMNS)


class UserStore:
    """Every query the users resource needs, each an indexed lookup."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(self, *, name: str, email: str) -> UserRow:
        """Insert a user in a transaction of its own; EmailTaken if the email is in use."""
        with self._engine.begin() as conn:
            return self.insert(conn, name=name, email=email)

    def insert(self, conn: Connection, *, name: str, email: str) -> UserRow:
        """Insert a user within the caller's transaction on `conn`; EmailTaken if the email is in use.

        The user commits or vanishes with whatever else that transaction writes.
        """
        now = datetime.now(UTC)
        values = {
            "id": uuid.uuid4(),
            "name": name,
            "email": email,
            "email_key": email.lower(),
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        try:
            return _row(conn.execute(_INSERT, values).one())
        except sa.exc.IntegrityError:
            raise EmailTaken(email) from None

    def get(self, user_id: uuid.UUID) -> UserRow:
        """The user with this id, or UserNotFound."""
        with self._engine.connect() as conn:
            row = conn.execute(_BY_ID, {"user_id": user_id}).one_or_none()
        if row is None:
            raise UserNotFound(user_id)
        return _row(row)

    def list_page(
        self, *, limit: int, after: int | None = None, name: str | None = None, email: str | None = None
    ) -> tuple[list[UserRow], int | None]:
        """Up to `limit` users after the `after` key in creation order, and the next key if more exist."""
        query = _page_query(after is not None, name is not None, email is not None)
        params = {"limit": limit + 1, "after": after, "name": name, "email_key": email and email.lower()}
        with self._engine.connect() as conn:
            rows = [_row(row) for row in conn.execute(query, params)]
        if len(rows) > limit:
            return rows[:limit], rows[limit - 1].seq
        return rows, None

    def update(
        self, user_id: uuid.UUID, *, changes: dict[str, str], if_versions: Collection[int] | None = None
    ) -> UserRow:
        """Apply `changes`, bumping the version; the version check is part of the UPDATE itself."""
        values: dict[str, Any] = dict(changes)
        if "email" in values:
            values["email_key"] = values["email"].lower()
        values["updated_at"] = datetime.now(UTC)
        statement = _update_statement(frozenset(values), if_versions is not None)
        params = {f"new_{column}": value for column, value in values.items()}
        params.update(user_id=user_id, versions=list(if_versions or ()))
        try:
            with self._engine.begin() as conn:
                row = conn.execute(statement, params).one_or_none()
        except sa.exc.IntegrityError:
            raise EmailTaken(changes.get("email", "")) from None
        if row is None:
            self._raise_missing_or_stale(user_id)
        return _row(row)

    def delete(self, user_id: uuid.UUID, *, if_versions: Collection[int] | None = None) -> None:
        """Delete the user; with `if_versions`, only if it is still at one of them."""
        statement = _DELETE if if_versions is None else _DELETE_IF
        with self._engine.begin() as conn:
            deleted = conn.execute(
                statement, {"user_id": user_id, "versions": list(if_versions or ())}
            ).rowcount
        if deleted == 0:
            self._raise_missing_or_stale(user_id)

    def _raise_missing_or_stale(self, user_id: uuid.UUID) -> None:
        # The conditional write already decided; this read only names the reason.
        self.get(user_id)
        raise VersionMismatch(user_id)

    def last_seq(self) -> int:
        """The creation-order key of the newest user, 0 when there are none."""
        with self._engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(users.c.seq), 0))).scalar_one())

    def count(self) -> int:
        """How many users there are (a full count: for progress reports, never per request)."""
        with self._engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(users)).scalar_one())

    def import_preparer(self) -> ImportPreparer:
        """What turns NewUsers into rows for import_batch on this database."""
        return ImportPreparer(type(self._engine.dialect))

    def import_batch(self, rows: PreparedUsers, *, since: int) -> ImportedBatch:
        """Insert prepared `rows` in one transaction, skipping each whose email (in any case) or id is taken.

        The database decides, with INSERT ... ON CONFLICT DO NOTHING, so a re-run or a concurrent writer
        never makes a duplicate. A skipped row is `repeated` when the user in its way was added after
        `since` (the importer's watermark from `last_seq`, so: by an earlier row of the same import),
        and `existing` otherwise. Positions in the result index `rows`.
        """
        if not rows:
            return ImportedBatch(inserted=0, existing=[], repeated=[])
        sql, keyed = _bulk_insert(self._engine.dialect)
        # The driver's executemany: one prepared statement for every row, no per-row work in SQLAlchemy.
        parameters: list[Any] = rows
        if keyed:
            parameters = [dict(zip(_BULK_COLUMNS, row, strict=True)) for row in rows]
        # Read before the write transaction, which must begin with its write: on SQLite a transaction
        # that reads first cannot take the write lock once another writer has committed.
        before = self.last_seq()
        with self._engine.begin() as conn:
            if self._engine.dialect.name == "sqlite":
                for pragma in _SQLITE_BULK_PRAGMAS:
                    conn.exec_driver_sql(pragma)
            inserted = conn.exec_driver_sql(sql, parameters).rowcount
            if inserted == len(rows):
                return ImportedBatch(inserted=inserted, existing=[], repeated=[])
            skipped = self._skipped(conn, rows, before)
            collisions = self._added_since(conn, [rows[position] for position in skipped], since)
        return ImportedBatch(
            inserted=len(rows) - len(skipped),
            existing=[p for p, field in zip(skipped, collisions, strict=True) if field is None],
            repeated=[(p, field) for p, field in zip(skipped, collisions, strict=True) if field is not None],
        )

    def _id_converters(self) -> tuple[Converter, Converter]:
        """An id as import rows hold it from a UUID, and back."""
        dialect = self._engine.dialect
        column = users.c.id.type.dialect_impl(dialect)
        return (
            column.bind_processor(dialect) or (lambda value: value),
            column.result_processor(dialect, None) or (lambda value: value),
        )

    def _skipped(self, conn: Connection, rows: PreparedUsers, before: int) -> list[int]:
        """Positions of the rows the INSERT skipped: those not among the users added after `before`
        (which may include a concurrent writer's, but never with this batch's fresh ids)."""
        to_row_id, _ = self._id_converters()
        added = Counter(
            (to_row_id(row.id), row.email_key)
            for row in conn.execute(sa.select(users.c.id, users.c.email_key).where(users.c.seq > before))
        )
        skipped: list[int] = []
        for position, row in enumerate(rows):
            key = (row[0], row[3])
            if added[key]:
                added[key] -= 1
            else:
                skipped.append(position)
        return skipped

    def _added_since(self, conn: Connection, rows: PreparedUsers, since: int) -> list[str | None]:
        """For each of `rows`, the field ("email" or "id") a user added after `since` already has."""
        newest: int | None = conn.execute(_NEWEST).scalar_one()
        if newest is None or newest <= since:
            return [None] * len(rows)  # nothing was added since: every collision is with an existing user
        _, to_uuid = self._id_converters()
        keys = [row[3] for row in rows]
        ids = [to_uuid(row[0]) for row in rows]
        taken_keys: set[str] = set()
        taken_ids: set[uuid.UUID] = set()
        for start in range(0, len(rows), _LOOKUP_CHUNK):
            query = sa.select(users.c.id, users.c.email_key).where(
                users.c.seq > since,
                sa.or_(
                    users.c.email_key.in_(keys[start : start + _LOOKUP_CHUNK]),
                    users.c.id.in_(ids[start : start + _LOOKUP_CHUNK]),
                ),
            )
            for row in conn.execute(query):
                taken_keys.add(row.email_key)
                taken_ids.add(row.id)
        return [
            "email" if key in taken_keys else "id" if user_id in taken_ids else None
            for key, user_id in zip(keys, ids, strict=True)
        ]
