"""Preparing imported users for the database driver: the work that needs no database connection."""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

import sqlalchemy as sa

from people_api.storage.tables import users
from people_api.users import rules


class NewUser(NamedTuple):
    """A user to import; a missing id or time is made as a create would make it."""

    name: str
    email: str
    id: uuid.UUID | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PreparedUsers:
    """A batch of users as the import INSERT's columns, every value already as the driver takes it
    (on SQLite the id is hex text and times are text), so the one process that writes converts nothing.

    Columns rather than row objects: they cross from the checking processes to the writing one at the
    cost of their values alone, and `rows()` zips them into the plain tuples executemany binds fastest.
    """

    id: list[Any]
    name: list[Any]
    email: list[Any]
    email_key: list[Any]
    version: list[Any]
    created_at: list[Any]
    updated_at: list[Any]

    def __len__(self) -> int:
        return len(self.id)

    def rows(self) -> list[tuple[Any, ...]]:
        """One parameter tuple per user, in the order of INSERT_COLUMNS."""
        return list(zip(*(getattr(self, column) for column in INSERT_COLUMNS), strict=True))


Converter = Callable[[Any], Any]
INSERT_COLUMNS = tuple(field.name for field in dataclasses.fields(PreparedUsers))


_PROCESSORS: dict[type[sa.Dialect], dict[str, Converter]] = {}


def bind_processors(dialect_class: type[sa.Dialect]) -> dict[str, Converter]:
    """SQLAlchemy's own conversion of each import column for this driver (computed once a process)."""
    if dialect_class not in _PROCESSORS:
        dialect = dialect_class()
        _PROCESSORS[dialect_class] = {
            name: users.c[name].type.dialect_impl(dialect).bind_processor(dialect) or _same
            for name in INSERT_COLUMNS
        }
    return _PROCESSORS[dialect_class]


def _same(value: Any) -> Any:
    return value


def _once_each(convert: Converter) -> Converter:
    """`convert`, remembering its result for each distinct value (a batch shares one `now`)."""
    seen: dict[Any, Any] = {}

    def converted(value: Any) -> Any:
        if value not in seen:
            seen[value] = convert(value)
        return seen[value]

    return converted


@dataclass(frozen=True, slots=True)
class BatchPreparer:
    """Turns NewUsers into PreparedUsers for one database driver.

    It touches no database and pickles as the driver's dialect class, so the conversion work can run
    in the processes that validate, beside the one process that writes.
    """

    dialect_class: type[sa.Dialect]

    def __call__(self, new_users: Sequence[NewUser]) -> PreparedUsers:
        """Each user with its id (a new UUID4 if missing), mailbox key, version 1 and times."""
        to = bind_processors(self.dialect_class)
        to_id, to_name, to_email, to_key = to["id"], to["name"], to["email"], to["email_key"]
        # Times repeat (a batch shares its `now`), so each distinct one is converted once.
        to_created, to_updated = _once_each(to["created_at"]), _once_each(to["updated_at"])
        now = datetime.now(UTC)
        # uuid4() for each user that has no id, with the random bytes fetched in one call.
        random = os.urandom(16 * sum(user.id is None for user in new_users))
        fresh = (
            uuid.UUID(bytes=random[start : start + 16], version=4) for start in range(0, len(random), 16)
        )
        return PreparedUsers(
            id=[to_id(user.id or next(fresh)) for user in new_users],
            name=[to_name(user.name) for user in new_users],
            email=[to_email(user.email) for user in new_users],
            email_key=[to_key(rules.mailbox(user.email)) for user in new_users],
            version=[to["version"](1)] * len(new_users),
            created_at=[to_created(user.created_at or now) for user in new_users],
            updated_at=[to_updated(user.updated_at or user.created_at or now) for user in new_users],
        )
