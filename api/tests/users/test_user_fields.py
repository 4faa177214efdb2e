"""A user is declared once: the store's `User`. Everything else that lists the user's fields follows it,
and every field survives every way in and out (create with and without a key, GET, list, PUT, PATCH,
export and import)."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path
from typing import Any

import flask
import marshmallow as ma
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from people_api.cli.users import export as export_command
from people_api.storage.tables import users
from people_api.users.bulk import formats
from people_api.users.bulk.exporting import export_users
from people_api.users.bulk.importing import import_users
from people_api.users.bulk.inserts import BulkInserts
from people_api.users.bulk.preparing import INSERT_COLUMNS, NewUser
from people_api.users.schemas import UserCreateSchema, UserPatchSchema, UserReplaceSchema, UserSchema
from people_api.users.store import DERIVED, User, UserRow, UserStore

USERS = "/people/v1/users"
ROOT = Path(__file__).resolve().parents[3]
FIELDS = [field.name for field in dataclasses.fields(User)]
# What the server makes; a client writes every other field.
SERVER_MADE = ["id", "version", "created_at", "updated_at"]
WRITABLE = list(UserCreateSchema().fields)
TEXT = [name for name, field in UserCreateSchema().fields.items() if isinstance(field, ma.fields.String)]
# Two valid values of each writable field. Adding a field means adding it here, which puts it through
# every round trip below.
SAMPLES: dict[str, tuple[Any, Any]] = {
    "name": ("Ada Lovelace", "Grace Hopper"),
    "email": ("ada@example.com", "grace@example.com"),
}


def _first(**changes: Any) -> dict[str, Any]:
    return {field: values[0] for field, values in SAMPLES.items()} | changes


def _second() -> dict[str, Any]:
    return {field: values[1] for field, values in SAMPLES.items()}


def _writable_part(user: dict[str, Any]) -> dict[str, Any]:
    return {field: user[field] for field in WRITABLE}


class TestOneDeclaration:
    """What lists the user's fields is derived from User or held to it here."""

    def test_table_stores_every_field_and_the_derived_columns(self) -> None:
        """The users table has a column for each UserRow field and each derived column, and no other."""
        row_fields = {field.name for field in dataclasses.fields(UserRow)}

        assert set(users.c.keys()) == row_fields | set(DERIVED)

    def test_client_writes_every_field_the_server_does_not_make(self) -> None:
        """The create body's fields and the server-made ones are User's fields, each exactly once."""
        assert sorted(WRITABLE + SERVER_MADE) == sorted(FIELDS)

    def test_every_writable_field_has_samples(self) -> None:
        """The round trips below cover every field a client writes."""
        assert set(SAMPLES) == set(WRITABLE)

    def test_wire_format_shows_every_field_with_the_version_as_etag(self) -> None:
        """A user on the wire is User's fields, the version written as its entity tag."""
        assert set(UserSchema().fields) == (set(FIELDS) - {"version"}) | {"etag"}

    def test_optional_writable_fields_have_the_default_a_replace_resets_to(self) -> None:
        """A field a create does not require has a load_default; a replace without it stores that."""
        for name, field in UserCreateSchema().fields.items():
            assert field.required or field.load_default is not ma.missing, name

    def test_replace_takes_the_create_fields_as_they_are(self) -> None:
        """PUT takes the same fields as a create, required and defaulted alike."""
        replace, create = UserReplaceSchema().fields, UserCreateSchema().fields

        assert {name: (f.required, f.load_default) for name, f in replace.items()} == {
            name: (f.required, f.load_default) for name, f in create.items()
        }

    def test_patch_takes_every_create_field_none_required_none_defaulted(self) -> None:
        """A merge patch may name any writable field, and one it leaves out stays as it is."""
        patch = UserPatchSchema().fields

        assert list(patch) == WRITABLE
        assert all(not f.required and f.load_default is ma.missing for f in patch.values())

    def test_export_columns_are_the_wire_fields_but_the_etag(self) -> None:
        """Export writes, and import takes back, each field of a user as the API returns it."""
        assert list(formats.COLUMNS) == [name for name in UserSchema().fields if name != "etag"]

    def test_import_requires_what_a_create_requires(self) -> None:
        """A record without a required writable field is refused, as a create body would be."""
        required = [name for name, f in UserCreateSchema().fields.items() if f.required]

        assert list(formats.REQUIRED_COLUMNS) == required

    def test_import_row_holds_the_writable_fields_and_the_kept_server_ones(self) -> None:
        """An imported user carries each writable field, and the id and times an export wrote."""
        assert set(NewUser._fields) == set(WRITABLE) | {"id", "created_at", "updated_at"}

    def test_import_insert_writes_the_same_columns_as_a_create(self) -> None:
        """The bulk INSERT binds every column a create's INSERT binds."""
        assert set(INSERT_COLUMNS) == set(users.c.keys()) - {"seq"}

    def test_wire_format_is_nullable_where_a_client_may_write_null(self) -> None:
        """A field a client may write as null is nullable in the answer too, so the spec, and the client
        generated from it, admit the null the server sends back."""
        wire, create = UserSchema().fields, UserCreateSchema().fields

        assert {name: wire[name].allow_none for name in create} == {
            n: f.allow_none for n, f in create.items()
        }

    def test_each_text_column_is_as_wide_as_the_wire_format_says(self) -> None:
        """A text column holds exactly the maxLength the spec gives its field: SQLite never checks a
        width, and PostgreSQL refuses a longer value with a 500."""
        wire = UserSchema().fields
        widths = {
            name: column.type.length
            for name, column in users.c.items()
            if isinstance(column.type, sa.String) and name in wire
        }

        assert widths == {name: wire[name].metadata["maxLength"] for name in widths}

    def test_export_help_names_every_column(self) -> None:
        """`people-api users export --help` names each column an export writes."""
        assert ", ".join(formats.COLUMNS) in (export_command.help or "")

    def test_docs_spell_out_every_field(self) -> None:
        """The HTTP reference shows a user as the API returns it; the import how-to names each column."""
        reference = (ROOT / "docs" / "reference" / "http-api.md").read_text(encoding="utf-8")
        how_to = (ROOT / "docs" / "how-to" / "import-export.md").read_text(encoding="utf-8")

        assert f"A user is `{{{', '.join(UserSchema().fields)}}}`" in reference
        assert [column for column in formats.COLUMNS if f"`{column}`" not in how_to] == []


class TestEveryFieldSurvives:
    """Each writable field comes back as it was sent, whichever way it went in."""

    @pytest.mark.parametrize("keyed", [False, True], ids=["unkeyed create", "keyed create"])
    def test_create_answers_and_stores_every_field(self, client: FlaskClient, keyed: bool) -> None:
        """The 201 and a later GET both show each field as sent."""
        headers = {"Idempotency-Key": "every-field"} if keyed else {}
        created = client.post(USERS, json=_first(), headers=headers)

        fetched = client.get(created.headers["Location"])

        assert created.status_code == 201
        assert _writable_part(created.get_json()) == _first()
        assert fetched.get_json() == created.get_json()

    def test_list_shows_every_field(self, client: FlaskClient) -> None:
        """A page of the list shows the user exactly as GET does."""
        created = client.post(USERS, json=_first()).get_json()

        listed = client.get(USERS).get_json()["users"]

        assert listed == [created]

    def test_replace_stores_every_field(self, client: FlaskClient) -> None:
        """PUT with every field changed: GET shows the new values."""
        location = client.post(USERS, json=_first()).headers["Location"]

        replaced = client.put(location, json=_second())

        assert replaced.status_code == 200
        assert _writable_part(client.get(location).get_json()) == _second()

    def test_replace_resets_each_optional_field_left_out(self, client: FlaskClient) -> None:
        """PUT with only the required fields: each optional one goes back to its default."""
        create = UserCreateSchema().fields
        required = {name: value for name, value in _second().items() if create[name].required}
        location = client.post(USERS, json=_first()).headers["Location"]

        client.put(location, json=required)

        defaults = {name: field.load_default for name, field in create.items() if not field.required}
        assert _writable_part(client.get(location).get_json()) == required | defaults

    @pytest.mark.parametrize("field", list(SAMPLES))
    def test_patch_changes_only_the_field_it_names(self, client: FlaskClient, field: str) -> None:
        """PATCH of one field: GET shows it changed and every other field as it was."""
        location = client.post(USERS, json=_first()).headers["Location"]
        patch = {field: SAMPLES[field][1]}

        client.patch(location, json=patch, headers={"Content-Type": "application/merge-patch+json"})

        assert _writable_part(client.get(location).get_json()) == _first(**patch)

    @pytest.mark.parametrize("fmt", formats.FORMATS)
    def test_export_then_import_restores_every_field(
        self, client: FlaskClient, store: UserStore, app: flask.Flask, fmt: formats.Format
    ) -> None:
        """A user exported, deleted and imported back reads back identically."""
        created = client.post(USERS, json=_first()).get_json()
        exported = io.BytesIO()
        export_users(store, exported, fmt)
        client.delete(f"{USERS}/{created['id']}")

        report = import_users(
            BulkInserts(app.extensions["people_api.engine"]),
            io.BytesIO(exported.getvalue()),
            fmt,
            on_reject=lambda line, reason: pytest.fail(f"line {line}: {reason}"),
        )

        assert report.imported == 1
        assert client.get(f"{USERS}/{created['id']}").get_json() == created


@pytest.mark.parametrize("field", TEXT)
@pytest.mark.parametrize("text", ["a\u0000b", "a\ud800b"], ids=["nul", "lone-surrogate"])
def test_text_no_database_can_store_is_a_400(client: FlaskClient, field: str, text: str) -> None:
    """NUL (PostgreSQL cannot store it) or a lone surrogate (no UTF-8 database can) in any text field
    is refused on that field, on either engine, never stored or a 500."""
    body = json.dumps(_first(**{field: text}))

    response = client.post(USERS, data=body, content_type="application/json")

    assert (response.status_code, list(response.get_json()["errors"])) == (400, [field])
