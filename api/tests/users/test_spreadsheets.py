"""CSV exports open in a spreadsheet as text, never as live formulas, and still import back exactly."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from making import stored_user

from people_api.users.bulk import exporting
from people_api.users.bulk.spreadsheets import protect, unprotect
from people_api.users.store import UserStore

# Names a spreadsheet would evaluate (OWASP "CSV injection"), and what the export's cell holds.
FORMULAS = [
    ("=1+1", "'=1+1"),
    ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
    ("+1", "'+1"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
]
# Values whose first character already is a quote: only those that then go on like a formula change.
QUOTED = [
    ("'=1+1", "''=1+1"),
    ("''@x", "'''@x"),
    ("'plain", "'plain"),
    ("'", "'"),
    ("O'Brien", "O'Brien"),
]


def exported_rows(store: UserStore) -> list[dict[str, str]]:
    """The users' CSV export as Python's csv module reads it (a spreadsheet's view, before evaluating)."""
    out = io.BytesIO()
    exporting.export_users(store, out, "csv")
    return list(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8"), newline="")))


@pytest.mark.parametrize(("name", "cell"), FORMULAS)
def test_export_writes_a_formula_like_name_behind_a_quote(store: UserStore, name: str, cell: str) -> None:
    """A name starting with =, +, - or @ is written with a leading single quote, which spreadsheets take
    as "show as text"."""
    stored_user(store, name=name, email="ada@example.com")

    (row,) = exported_rows(store)

    assert row["name"] == cell


@pytest.mark.parametrize("email", ["=x@example.com", "+x@example.com", "-x@example.com"])
def test_export_writes_a_formula_like_email_behind_a_quote(store: UserStore, email: str) -> None:
    """Emails are user input too: one that starts like a formula is quoted the same way."""
    stored_user(store, name="Ada", email=email)

    (row,) = exported_rows(store)

    assert row["email"] == f"'{email}"


@pytest.mark.parametrize(("name", "cell"), QUOTED)
def test_export_adds_a_quote_only_before_quotes_that_lead_to_a_formula(
    store: UserStore, name: str, cell: str
) -> None:
    """A value that really starts with quotes then =, +, - or @ gets one more quote (so import can take
    exactly one off); any other quote is left as it is."""
    stored_user(store, name=name, email="ada@example.com")

    (row,) = exported_rows(store)

    assert row["name"] == cell


@pytest.mark.parametrize(
    "value", ["=1", "\t=1", "\r=1", "'\t", "''\r", "-", "'-", "'''+", "'", "''", "a'=", "plain", ""]
)
def test_unprotect_undoes_protect(value: str) -> None:
    """Every value, tab and carriage return starts included, comes back from its CSV cell unchanged."""
    assert unprotect(protect(value)) == value


@pytest.mark.parametrize("value", ["=1", "\t=1", "\r=1", "+1", "-1", "@1", "'=1", "''@1"])
def test_protect_leaves_no_cell_starting_like_a_formula(value: str) -> None:
    """What protect writes always starts with a quote, so no spreadsheet reads it as a formula."""
    assert protect(value).startswith("'")


def test_export_import_export_is_byte_identical(
    runner: Any, store: UserStore, tmp_path: Path, settings: Any
) -> None:
    """A CSV export imported into an empty database exports again to exactly the same bytes, formula-like
    names, emails and leading quotes included."""
    env = {"PEOPLE_API_DATABASE_URL": settings.database_url}
    for number, (name, _) in enumerate([*FORMULAS, *QUOTED]):
        stored_user(store, name=name, email=f"user{number}@example.com")
    stored_user(store, name="Ada", email="=ada@example.com")
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    runner.run("users", "export", "-o", str(first), env=env)
    for user in store.list_page(limit=100)[0]:
        store.delete(user.id)

    imported = runner.run("users", "import", str(first), "--jobs", "1", env=env)
    runner.run("users", "export", "-o", str(second), env=env)

    assert imported.stdout == "read 11, imported 11, skipped existing 0, rejected 0\n"
    assert second.read_bytes() == first.read_bytes()


def test_jsonl_export_keeps_formula_like_values_as_they_are(store: UserStore) -> None:
    """JSON Lines are not opened by spreadsheets: values are written unchanged."""
    stored_user(store, name="=1+1", email="'=x@example.com")
    out = io.BytesIO()

    exporting.export_users(store, out, "jsonl")

    line = json.loads(out.getvalue())
    assert (line["name"], line["email"]) == ("=1+1", "'=x@example.com")
