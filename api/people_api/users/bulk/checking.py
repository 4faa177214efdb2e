"""Checking imported records with the API's own rules, a batch at a time (in worker processes too)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import marshmallow as ma

from people_api.users.bulk.preparing import BatchPreparer, NewUser, PreparedUsers
from people_api.users.bulk.reading import Batch, Content, Rejection
from people_api.users.schemas import UserCreateSchema


class _UtcDateTime(ma.fields.AwareDateTime):
    """An ISO 8601 time with an offset, moved to UTC (what both engines store)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            return moment.astimezone(UTC)
        except OverflowError:  # 0001-01-01T00:00+01:00 is a valid string but not a UTC time
            raise self.make_error("invalid", input=value, obj_type=self.OBJ_TYPE) from None


def _uuid4(value: uuid.UUID | None) -> None:
    if value is not None and value.version != 4:
        raise ma.ValidationError("Not a UUID4 (the only kind of id users have).")


class UserImportSchema(UserCreateSchema):
    """One imported user: the create body (the same rules, inherited), plus what an export carries.

    `id`, `created_at` and `updated_at` are optional; given, they are kept, so users moved from one
    database to another keep their URLs and history. Missing, they are made as a create makes them.
    (`updated_at` also needs `created_at`, and may not be earlier: `verdict` checks that, because a
    marshmallow schema-level hook would make every load slower.)
    """

    id = ma.fields.UUID(allow_none=True, validate=_uuid4)
    created_at = _UtcDateTime(allow_none=True)
    updated_at = _UtcDateTime(allow_none=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._required = frozenset(name for name, field in self.load_fields.items() if field.required)
        # What load() gives a field the record leaves out.
        self._defaults = {
            name: field.load_default
            for name, field in self.load_fields.items()
            if field.load_default is not ma.missing
        }

    def quick_load(self, data: dict[str, Any]) -> dict[str, Any]:
        """`load(data)`, at a fraction of the cost for a record that is all there and all valid.

        Such a record goes through the schema's own fields (every validator the API runs) and its
        post_load (the name trim), without marshmallow's per-load bookkeeping, which costs more than
        the checks themselves. Anything else (a missing or unknown key, a value a field refuses) is
        handed to load() itself, for its exact verdict and messages. The schema has no other hooks;
        the tests hold quick_load to load().
        """
        fields = self.load_fields
        if self._required <= data.keys() and all(key in fields for key in data):
            try:
                given = {key: fields[key].deserialize(value) for key, value in data.items()}
                checked = self._defaults | given
                trimmed: dict[str, Any] = self._trim(checked)
                return trimmed
            except ma.ValidationError:
                pass
        loaded: dict[str, Any] = self.load(data)
        return loaded


# One per process: building a schema costs far more than loading a record with it.
_SCHEMA = UserImportSchema()


class _NotAnObject(ValueError):
    """A JSON line that does not hold one JSON object; the message is the reason."""


def _json_object(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise _NotAnObject(f"Not valid JSON: {error.msg} (column {error.colno}).") from None
    except (ValueError, RecursionError) as error:  # a 5000-digit number, [[[[... nested too deep
        raise _NotAnObject(
            f"Not valid JSON: {'nested too deeply' if isinstance(error, RecursionError) else error}."
        ) from None
    if not isinstance(data, dict):
        raise _NotAnObject("Not a JSON object.")
    return data


def _messages(messages: dict[str, Any]) -> str:
    """marshmallow's {field: [message, ...]} as one line: `email: Not a valid ...; name: ...`."""
    return "; ".join(
        f"{field}: {' '.join(map(str, text)) if isinstance(text, list) else text}"
        for field, text in sorted(messages.items())
    )


def verdict(line: int, content: Content) -> NewUser | Rejection:
    """The user a record describes, or why it cannot be imported."""
    try:
        user = _SCHEMA.quick_load(content if isinstance(content, dict) else _json_object(content))
    except _NotAnObject as error:
        return Rejection(line, str(error))
    except ma.ValidationError as error:
        return Rejection(line, _messages(error.messages_dict))
    created, updated = user.get("created_at"), user.get("updated_at")
    if updated is not None and created is None:
        return Rejection(line, "updated_at: Give created_at too.")
    if updated is not None and created is not None and updated < created:
        return Rejection(line, "updated_at: Earlier than created_at.")
    return NewUser(**user)


@dataclass(frozen=True, slots=True)
class Checked:
    """A checked batch: the rejected records, and the rest ready to insert."""

    rejected: list[Rejection]
    lines: list[int]  # where each of `users` came from, in the same order
    users: PreparedUsers
    offset: int  # the batch's: bytes of input consumed once it was read


def check(batch: Batch, prepare: BatchPreparer) -> Checked:
    """Check a batch with the API's rules and prepare the good records for the database."""
    rejected = list(batch.rejected)
    lines: list[int] = []
    good: list[NewUser] = []
    for line, content in zip(batch.lines, batch.contents, strict=True):
        outcome = verdict(line, content)
        if isinstance(outcome, Rejection):
            rejected.append(outcome)
        else:
            lines.append(line)
            good.append(outcome)
    return Checked(rejected, lines, prepare(good), batch.offset)
