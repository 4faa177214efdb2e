"""Users in SQL (SQLAlchemy Core); no HTTP here."""

from __future__ import annotations

import dataclasses
import functools
import itertools
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from people_api.storage.fastpath import HotStatement
from people_api.storage.tables import users
from people_api.users import rules


class UserNotFound(LookupError):
    """No user has this id."""


class EmailTaken(ValueError):
    """Another user already has this mailbox (rules.mailbox: the same address in any case or spelling)."""


class VersionMismatch(ValueError):
    """The user changed since the version the caller holds."""


@dataclass(frozen=True, slots=True)
class User:
    """A user as the service holds it, one attribute per stored column (but the derived ones, below):
    the declaration the insert and update statements, the row reader and the tests of the table, the
    wire format and the import all follow."""

    id: uuid.UUID
    name: str
    email: str
    version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class UserRow(User):
    """One stored user, with its place in creation order."""

    seq: int


# Columns the database keeps beside a field, computed from it: the key uniqueness compares.
DERIVED = {"email_key": ("email", rules.mailbox)}
_FIELDS = tuple(field.name for field in dataclasses.fields(User))
# Every column a row is read from, in UserRow's field order, so a row unpacks by position.
_COLUMNS = tuple(users.c[field.name] for field in dataclasses.fields(UserRow))
# What an INSERT writes: every User field and every derived column, each a bound parameter.
_NEW: dict[str, sa.BindParameter[Any]] = {name: sa.bindparam(name) for name in (*_FIELDS, *DERIVED)}
# Statements are built once: constructing a Core statement per request costs more than running it
# (bench/report.md). Values travel as bound parameters.
_BY_ID = sa.select(*_COLUMNS).where(users.c.id == sa.bindparam("user_id"))
_VERSIONS = users.c.version.in_(sa.bindparam("versions", expanding=True))
_DELETE = users.delete().where(users.c.id == sa.bindparam("user_id"))
_DELETE_IF = _DELETE.where(_VERSIONS)


def _row(row: Any) -> UserRow:
    return UserRow(*row)


def _with_derived(values: dict[str, Any]) -> dict[str, Any]:
    """`values`, plus each derived column whose source field is among them."""
    for column, (source, derive) in DERIVED.items():
        if source in values:
            values[column] = derive(values[source])
    return values


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
        # The hot statements; pages by the filters a page is asked with (after, name, email).
        self._by_id = HotStatement(engine, _BY_ID)
        self._pages = {
            filters: HotStatement(engine, _page_query(*filters))
            for filters in itertools.product((False, True), repeat=3)
        }
        insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        # The one INSERT of a user. A taken email stores nothing and raises nothing (no row comes
        # back), so a PostgreSQL transaction it runs in goes on (an IntegrityError would abort it).
        self._add = HotStatement(
            engine,
            insert(users)
            .values(_NEW)
            .on_conflict_do_nothing(index_elements=[users.c.email_key])
            .returning(users.c.seq),
        )

    @staticmethod
    def new(**fields: Any) -> User:
        """A user made but not stored yet from the fields a client writes: its id, version and times
        are the server's, so how it will look once stored is known now, and is what a create renders."""
        now = datetime.now(UTC)
        return User(id=uuid.uuid4(), version=1, created_at=now, updated_at=now, **fields)

    def add(self, user: User, *, conn: Connection | None = None) -> User:
        """Store `user`, in a transaction of its own, or within the caller's on `conn` (it then commits
        or vanishes with whatever else that transaction writes). EmailTaken, storing nothing, if its
        email is in use."""
        values = _with_derived({field: getattr(user, field) for field in _FIELDS})
        added = self._add.commit(values) if conn is None else self._add.on(conn, values).rows
        if not added:
            raise EmailTaken(user.email)
        return user

    def get(self, user_id: uuid.UUID) -> UserRow:
        """The user with this id, or UserNotFound."""
        rows = self._by_id.all({"user_id": user_id})
        if not rows:
            raise UserNotFound(user_id)
        return _row(rows[0])

    def list_page(
        self, *, limit: int, after: int | None = None, name: str | None = None, email: str | None = None
    ) -> tuple[list[UserRow], int | None]:
        """Up to `limit` users after the `after` key in creation order, and the next key if more exist."""
        page = self._pages[after is not None, name is not None, email is not None]
        params = {
            "limit": limit + 1,
            "after": after,
            "name": name,
            "email_key": email and rules.mailbox(email),
        }
        rows = [_row(row) for row in page.all(params)]
        if len(rows) > limit:
            return rows[:limit], rows[limit - 1].seq
        return rows, None

    def update(
        self, user_id: uuid.UUID, *, changes: dict[str, Any], if_versions: Collection[int] | None = None
    ) -> UserRow:
        """Apply `changes`, bumping the version; the version check is part of the UPDATE itself."""
        values = _with_derived(dict(changes))
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

    def count(self) -> int:
        """How many users there are (a full count: for progress reports, never per request)."""
        with self._engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(users)).scalar_one())
