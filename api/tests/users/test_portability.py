"""`people-api users import` and `users export`: formats, bad lines, re-runs, round trips, speed paths."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import marshmallow as ma
import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient
from making import stored_user
from wire import ONE_MAILBOX, ONE_MAILBOX_IDS, USERS

from people_api import cli
from people_api.config import MAX_BODY_BYTES, Settings
from people_api.storage import migrations
from people_api.users import rules, schemas
from people_api.users.bulk import checking, exporting, formats, importing, reading
from people_api.users.bulk.inserts import BulkInserts
from people_api.users.store import UserRow, UserStore

ADA = {"name": "Ada Lovelace", "email": "ada@example.com"}
GRACE = {"name": "Grace Hopper", "email": "grace@example.com"}
ALAN = {"name": "Alan Turing", "email": "alan@example.com"}
ALL_GOOD = "read 3, imported 3, skipped existing 0, rejected 0\n"


def _jsonl(*lines: Any) -> bytes:
    """A JSON Lines file: dicts are dumped, str and bytes lines are written as they are."""
    out = b""
    for line in lines:
        if isinstance(line, dict):
            line = json.dumps(line)
        out += (line.encode() if isinstance(line, str) else line) + b"\n"
    return out


def _users(store: UserStore) -> list[UserRow]:
    return store.list_page(limit=1000)[0]


def _names_and_emails(store: UserStore) -> list[tuple[str, str]]:
    return [(user.name, user.email) for user in _users(store)]


@pytest.fixture
def env(settings: Settings) -> dict[str, str]:
    """The command's environment: the test's database."""
    return {"PEOPLE_API_DATABASE_URL": settings.database_url}


@pytest.fixture
def import_file(runner: Any, env: dict[str, str], store: UserStore, tmp_path: Path) -> Callable[..., Result]:
    """Write `content` to a file named `name` and run `users import` on it in this process (--jobs 1).

    Depends on `store` so the database is migrated first, as `db upgrade` does for PostgreSQL.
    """

    def run(content: bytes, *args: str, name: str = "users.jsonl") -> Result:
        path = tmp_path / name
        path.write_bytes(content)
        result: Result = runner.run("users", "import", str(path), "--jobs", "1", *args, env=env)
        return result

    return run


# --- importing ------------------------------------------------------------------------------------


def test_import_jsonl_creates_each_user_in_file_order(import_file: Any, store: UserStore) -> None:
    """Each JSON line becomes a user, in the order of the file, and the summary says so; exit 0."""
    result = import_file(_jsonl(ADA, GRACE, ALAN))

    assert (result.exit_code, result.stdout, result.stderr) == (0, ALL_GOOD, "")
    assert _names_and_emails(store) == [tuple(user.values()) for user in (ADA, GRACE, ALAN)]


def test_import_csv_creates_each_user_in_file_order(import_file: Any, store: UserStore) -> None:
    """Each CSV row after the header becomes a user; the columns may come in any order."""
    content = b"email,name\nada@example.com,Ada Lovelace\ngrace@example.com,Grace Hopper\n"

    result = import_file(content, name="users.csv")

    assert (result.exit_code, result.stdout) == (0, "read 2, imported 2, skipped existing 0, rejected 0\n")
    assert _names_and_emails(store) == [
        ("Ada Lovelace", "ada@example.com"),
        ("Grace Hopper", "grace@example.com"),
    ]


def test_import_applies_the_api_rules_to_each_field(import_file: Any, store: UserStore) -> None:
    """Names are trimmed as the API trims them; new users get a UUID4, version 1 and equal times."""
    import_file(_jsonl({"name": "\u3000 Ada \t", "email": "Ada@Example.com"}))

    (user,) = _users(store)
    assert (user.name, user.email, user.version, user.id.version) == ("Ada", "Ada@Example.com", 1, 4)
    assert user.created_at == user.updated_at


def test_import_reports_each_bad_line_and_imports_the_good_ones(import_file: Any, store: UserStore) -> None:
    """Bad lines are reported on stderr as `line N: field: reason`, the rest are imported, exit 1."""
    content = _jsonl(
        ADA,
        {"name": "Bob", "email": "not-an-address"},
        {"name": "", "email": "empty@example.com"},
        GRACE,
        {"name": "Cy", "email": "cy@example.com", "age": 3},
        {"email": "noname@example.com"},
        ALAN,
    )

    result = import_file(content)

    assert result.exit_code == 1
    assert result.stderr == (
        "line 2: email: Not a valid email address: An email address must have an @-sign.\n"
        "line 3: name: Must be 1 to 200 characters once surrounding whitespace is trimmed.\n"
        "line 5: age: Unknown field.\n"
        "line 6: name: Missing data for required field.\n"
    )
    assert result.stdout == "read 7, imported 3, skipped existing 0, rejected 4\n"
    assert [name for name, _ in _names_and_emails(store)] == ["Ada Lovelace", "Grace Hopper", "Alan Turing"]


def test_import_rejects_lines_that_are_not_json_objects(import_file: Any, store: UserStore) -> None:
    """Malformed JSON, and JSON that is not an object, are rejected with the reason; nothing crashes."""
    content = _jsonl(
        "{not json", "[1, 2]", '"Ada"', "null", '{"name": "Ada", "email": "ada@example.com"', GRACE
    )

    result = import_file(content)

    assert result.stderr == (
        "line 1: Not valid JSON: Expecting property name enclosed in double quotes (column 2).\n"
        "line 2: Not a JSON object.\n"
        "line 3: Not a JSON object.\n"
        "line 4: Not a JSON object.\n"
        "line 5: Not valid JSON: Expecting ',' delimiter (column 43).\n"
    )
    assert _names_and_emails(store) == [("Grace Hopper", "grace@example.com")]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("[" * 100_000 + "]" * 100_000, "Not valid JSON: nested too deeply."),
        ('{"name": ' + "9" * 5000 + ', "email": "a@example.com"}', "Not valid JSON: Exceeds the limit"),
        (b'{"name": "Ada \xff", "email": "a@example.com"}', "Not valid UTF-8 (byte 15 of the line)."),
        ('{"name": "Ada \\ud800", "email": "a@example.com"}', "name: Not valid Unicode text."),
        ('{"name": "Ada\\u0000", "email": "a@example.com"}', "name: Must not contain NUL (U+0000)."),
        ('{"name": 7, "email": ["a@example.com"]}', "email: Not a valid string.; name: Not a valid string."),
        (
            '{"name": "A", "email": "' + "a" * 250 + '@example.com"}',
            "email: Length must be between 3 and 254. Not a valid email address: The email address is too",
        ),
    ],
    ids=["deep-nesting", "huge-number", "bad-utf8", "lone-surrogate", "nul", "wrong-types", "too-long"],
)
def test_import_rejects_hostile_lines_without_crashing(
    import_file: Any, store: UserStore, line: str | bytes, reason: str
) -> None:
    """Pathological lines are rejected with a reason (the API's own where it has one); the next imports."""
    result = import_file(_jsonl(line, ADA))

    assert result.exit_code == 1
    assert result.stderr.startswith(f"line 1: {reason}")
    assert result.stderr.count("\n") == 1
    assert _names_and_emails(store) == [tuple(ADA.values())]


def test_import_rejects_a_line_longer_than_the_api_body_limit(import_file: Any, store: UserStore) -> None:
    """A line over 1 MiB is rejected unread (memory stays bounded); the line after it is numbered right."""
    huge = json.dumps({"name": "x" * MAX_BODY_BYTES, "email": "huge@example.com"})

    result = import_file(_jsonl(GRACE, huge, ADA))

    assert result.stderr == f"line 2: Longer than {MAX_BODY_BYTES} bytes.\n"
    assert result.stdout == "read 3, imported 2, skipped existing 0, rejected 1\n"
    assert [name for name, _ in _names_and_emails(store)] == ["Grace Hopper", "Ada Lovelace"]


def test_import_rejects_a_multi_megabyte_line_and_goes_on(import_file: Any, store: UserStore) -> None:
    """A line of several MiB is skipped in pieces, never held whole; counting resumes right after it."""
    result = import_file(
        b"x" * (3 * MAX_BODY_BYTES + 5) + b"\n" + _jsonl({"name": "Bob", "email": "bob"}, ADA)
    )

    assert result.stderr.splitlines() == [
        f"line 1: Longer than {MAX_BODY_BYTES} bytes.",
        "line 2: email: Not a valid email address: An email address must have an @-sign.",
    ]
    assert _names_and_emails(store) == [tuple(ADA.values())]


def test_import_skips_blank_lines_but_counts_them_in_line_numbers(import_file: Any, store: UserStore) -> None:
    """Blank and whitespace-only lines are not records, yet line numbers stay those of the file."""
    content = b"\n" + _jsonl(ADA) + b"   \n\t\n" + _jsonl({"name": "Bob", "email": "bob"}, GRACE) + b"\n\n"

    result = import_file(content)

    assert result.stderr.startswith("line 5: email: ")
    assert result.stdout == "read 3, imported 2, skipped existing 0, rejected 1\n"


def test_import_reads_crlf_line_endings(import_file: Any, store: UserStore) -> None:
    """Windows line endings work in both formats."""
    import_file(b'{"name": "Ada", "email": "ada@example.com"}\r\n\r\n', name="a.jsonl")
    result = import_file(b"name,email\r\nGrace,grace@example.com\r\n", name="b.csv")

    assert result.exit_code == 0
    assert _names_and_emails(store) == [("Ada", "ada@example.com"), ("Grace", "grace@example.com")]


def test_import_skips_blank_csv_lines_and_rejects_rows_that_are_not_utf8(
    import_file: Any, store: UserStore
) -> None:
    """In CSV too, blank lines are skipped (numbered all the same) and a row that is not UTF-8 is rejected."""
    content = b"\nname,email\n\n  \nAd\xe9,ade@example.com\nGrace,grace@example.com\n\n"

    result = import_file(content, name="users.csv")

    assert result.stderr == "line 5: Not valid UTF-8 (byte 3 of the line).\n"
    assert result.stdout == "read 2, imported 1, skipped existing 0, rejected 1\n"
    assert _names_and_emails(store) == [("Grace", "grace@example.com")]


def test_import_ignores_a_byte_order_mark(import_file: Any, store: UserStore) -> None:
    """A UTF-8 byte order mark (as spreadsheet programs write) before the CSV header is not part of it."""
    result = import_file(b"\xef\xbb\xbfname,email\nAda,ada@example.com\n", name="excel.csv")

    assert (result.exit_code, result.stderr) == (0, "")
    assert _names_and_emails(store) == [("Ada", "ada@example.com")]


@pytest.mark.parametrize(
    ("header", "fault"),
    [
        (b"name,mail", "no email column; unknown column(s) 'mail'"),
        (b"email", "no name column"),
        (b"name,email,age", "unknown column(s) 'age'"),
        (b"name,email,name", "repeated column(s) name"),
        (b"Ada,ada@example.com", "no name, email column; unknown column(s) 'Ada', 'ada@example.com'"),
    ],
    ids=["misspelled", "missing", "unknown", "repeated", "no-header"],
)
def test_import_refuses_a_csv_header_it_cannot_use(
    import_file: Any, store: UserStore, header: bytes, fault: str
) -> None:
    """A header that does not name the columns is a usage error (exit 2) and nothing is imported."""
    result = import_file(header + b"\nGrace,grace@example.com\n", name="users.csv")

    assert result.exit_code == 2
    assert (
        f"line 1: the CSV header has {fault} (columns: id, name, email, created_at, updated_at;"
        in result.stderr
    )
    assert _users(store) == []


def test_import_rejects_csv_rows_with_the_wrong_number_of_fields(import_file: Any, store: UserStore) -> None:
    """A row with more or fewer fields than the header is rejected; the others import."""
    content = b"name,email\nAda\nBob,bob@example.com,extra\nGrace,grace@example.com\n"

    result = import_file(content, name="users.csv")

    assert result.stderr == "line 2: 1 fields; the header has 2.\nline 3: 3 fields; the header has 2.\n"
    assert _names_and_emails(store) == [("Grace", "grace@example.com")]


def test_import_reads_quoted_csv_fields_across_lines(import_file: Any, store: UserStore) -> None:
    """RFC 4180 quoting: commas, quotes and newlines in a field; a record is numbered by its first line."""
    content = b'name,email\n"Lovelace, ""Ada""\nof Byron",ada@example.com\nBob,bob\n"unclosed,x@example.com\n'

    result = import_file(content, name="users.csv")

    assert result.stderr == (
        "line 4: email: Not a valid email address: An email address must have an @-sign.\n"
        "line 5: Not valid CSV: unexpected end of data.\n"
    )
    assert _names_and_emails(store) == [('Lovelace, "Ada"\nof Byron', "ada@example.com")]


def test_import_again_adds_nothing(import_file: Any, store: UserStore) -> None:
    """Re-running an import skips every user already there (by email, in any case); exit 0."""
    import_file(_jsonl(ADA, GRACE, ALAN))
    before = _users(store)

    result = import_file(_jsonl({**ADA, "email": "ADA@EXAMPLE.COM"}, GRACE, ALAN))

    assert (result.exit_code, result.stdout) == (0, "read 3, imported 0, skipped existing 3, rejected 0\n")
    assert _users(store) == before


def test_import_finishes_an_interrupted_import(import_file: Any, store: UserStore) -> None:
    """After a partial import, running the whole file adds exactly the missing users, in file order."""
    import_file(_jsonl(ADA))

    result = import_file(_jsonl(ADA, GRACE, ALAN), "--batch-size", "1")

    assert result.stdout == "read 3, imported 2, skipped existing 1, rejected 0\n"
    assert [name for name, _ in _names_and_emails(store)] == ["Ada Lovelace", "Grace Hopper", "Alan Turing"]


def test_import_skips_users_created_through_the_api(
    import_file: Any, store: UserStore, client: FlaskClient
) -> None:
    """An email the API already holds counts as existing, not as an error."""
    client.post(USERS, json={"name": "Ada (API)", "email": "ada@example.com"})

    result = import_file(_jsonl(ADA, GRACE))

    assert (result.exit_code, result.stdout) == (0, "read 2, imported 1, skipped existing 1, rejected 0\n")
    assert [name for name, _ in _names_and_emails(store)] == ["Ada (API)", "Grace Hopper"]


@pytest.mark.parametrize("batch_size", ["1", "100"], ids=["across-batches", "same-batch"])
def test_import_rejects_an_email_repeated_in_the_file(
    import_file: Any, store: UserStore, batch_size: str
) -> None:
    """An email an earlier line of the same file took (in any case) is rejected, whichever batch it is in."""
    content = _jsonl(ADA, GRACE, {"name": "Ada Again", "email": "ADA@example.COM"})

    result = import_file(content, "--batch-size", batch_size)

    assert result.exit_code == 1
    assert result.stderr == "line 3: email: Already taken by an earlier line of this input.\n"
    assert result.stdout == "read 3, imported 2, skipped existing 0, rejected 1\n"
    assert [name for name, _ in _names_and_emails(store)] == ["Ada Lovelace", "Grace Hopper"]


@pytest.mark.parametrize(("first", "second"), ONE_MAILBOX, ids=ONE_MAILBOX_IDS)
def test_import_rejects_another_spelling_of_a_mailbox_earlier_in_the_file(
    import_file: Any, store: UserStore, first: str, second: str
) -> None:
    """A line whose address names an earlier line's mailbox in another Unicode spelling or domain form
    is a repeat: rejected, and only the first is imported."""
    content = _jsonl({"name": "First", "email": first}, {"name": "Second", "email": second})

    result = import_file(content)

    assert result.stderr == "line 2: email: Already taken by an earlier line of this input.\n"
    assert _names_and_emails(store) == [("First", first)]


@pytest.mark.parametrize(("first", "second"), ONE_MAILBOX, ids=ONE_MAILBOX_IDS)
def test_import_skips_another_spelling_of_a_mailbox_the_api_holds(
    import_file: Any, store: UserStore, client: FlaskClient, first: str, second: str
) -> None:
    """An address naming a stored user's mailbox in another spelling counts as existing."""
    client.post(USERS, json={"name": "API", "email": first})

    result = import_file(_jsonl({"name": "Imported", "email": second}))

    assert (result.exit_code, result.stdout) == (0, "read 1, imported 0, skipped existing 1, rejected 0\n")
    assert _names_and_emails(store) == [("API", first)]


def test_import_again_of_a_file_with_a_repeat_skips_it(import_file: Any, store: UserStore) -> None:
    """On a re-run the repeated line meets a user that was there before, so it is skipped, not rejected."""
    content = _jsonl(ADA, {"name": "Ada Again", "email": "ADA@example.com"})
    import_file(content)

    result = import_file(content)

    assert (result.exit_code, result.stdout) == (0, "read 2, imported 0, skipped existing 2, rejected 0\n")


def test_import_keeps_given_ids_and_times_in_utc(import_file: Any, store: UserStore) -> None:
    """id, created_at and updated_at are kept (times moved to UTC); a missing updated_at is created_at."""
    ada_id, grace_id = uuid.uuid4(), uuid.uuid4()
    content = _jsonl(
        {**ADA, "id": str(ada_id), "created_at": "2020-01-02T03:04:05.123456+02:00"},
        {
            **GRACE,
            "id": str(grace_id),
            "created_at": "2021-01-01T00:00:00Z",
            "updated_at": "2022-06-01T12:00:00Z",
        },
    )

    import_file(content)

    ada, grace = _users(store)
    assert (ada.id, ada.created_at, ada.updated_at) == (
        ada_id,
        datetime(2020, 1, 2, 1, 4, 5, 123456, tzinfo=UTC),
        datetime(2020, 1, 2, 1, 4, 5, 123456, tzinfo=UTC),
    )
    assert (grace.id, grace.created_at, grace.updated_at) == (
        grace_id,
        datetime(2021, 1, 1, tzinfo=UTC),
        datetime(2022, 6, 1, 12, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({"id": "12"}, "id: Not a valid UUID."),
        ({"id": str(uuid.uuid1())}, "id: Not a UUID4 (the only kind of id users have)."),
        ({"created_at": "2020-01-01T00:00:00"}, "created_at: Not a valid aware datetime."),
        ({"created_at": "0001-01-01T00:00:00+01:00"}, "created_at: Not a valid datetime."),
        ({"updated_at": "2020-01-01T00:00:00Z"}, "updated_at: Give created_at too."),
        (
            {"created_at": "2020-01-02T00:00:00Z", "updated_at": "2020-01-01T00:00:00Z"},
            "updated_at: Earlier than created_at.",
        ),
    ],
    ids=["not-uuid", "uuid1", "naive-time", "before-utc-begins", "updated-alone", "updated-first"],
)
def test_import_rejects_unusable_ids_and_times(
    import_file: Any, store: UserStore, extra: dict[str, str], reason: str
) -> None:
    """A given id must be a UUID4; times need an offset, and updated_at needs created_at before it."""
    result = import_file(_jsonl({**ADA, **extra}))

    assert result.stderr == f"line 1: {reason}\n"
    assert _users(store) == []


def test_import_treats_null_and_empty_optional_fields_as_missing(import_file: Any, store: UserStore) -> None:
    """JSON null, or an empty CSV cell, for id or a time means "make one", as in a create."""
    import_file(_jsonl({**ADA, "id": None, "created_at": None, "updated_at": None}))
    result = import_file(b"id,name,email,created_at,updated_at\n,Grace,grace@example.com,,\n", name="u.csv")

    assert result.exit_code == 0
    assert [user.id.version for user in _users(store)] == [4, 4]


def test_import_skips_a_user_whose_id_exists(import_file: Any, store: UserStore) -> None:
    """A line whose id is taken counts as existing even with another email: import never overwrites."""
    ada = stored_user(store, name="Ada", email="ada@example.com")

    result = import_file(_jsonl({"name": "Ada L.", "email": "ada.l@example.com", "id": str(ada.id)}))

    assert result.stdout == "read 1, imported 0, skipped existing 1, rejected 0\n"
    assert _users(store) == [ada]


def test_import_rejects_an_id_repeated_in_the_file(import_file: Any, store: UserStore) -> None:
    """Two lines with one id: the second is rejected, naming the id."""
    same = str(uuid.uuid4())

    result = import_file(_jsonl({**ADA, "id": same}, {**GRACE, "id": same}), "--batch-size", "1")

    assert result.stderr == "line 2: id: Already taken by an earlier line of this input.\n"


def test_import_batches_stop_at_a_byte_limit(
    app: Flask, store: UserStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch ends at MAX_BATCH_BYTES of input however few its records: memory is bounded by bytes too."""
    monkeypatch.setattr(reading, "MAX_BATCH_BYTES", 100)
    progress: list[tuple[int, int]] = []
    content = _jsonl(ADA, GRACE, ALAN)  # about 50 bytes a line
    inserts = BulkInserts(app.extensions["people_api.engine"])

    report = importing.import_users(
        inserts, io.BytesIO(content), "jsonl", on_reject=print, on_progress=lambda *at: progress.append(at)
    )

    assert str(report) == "read 3, imported 3, skipped existing 0, rejected 0"
    assert [records for _, records in progress] == [2, 3]
    assert progress[-1][0] == len(content)


def test_import_reads_stdin_with_a_format(runner: Any, env: dict[str, str], store: UserStore) -> None:
    """`-` reads standard input; --format says what it holds."""
    result = runner.invoke(
        cli.main,
        ["users", "import", "-", "--format", "csv"],
        input=b"name,email\nAda,ada@example.com\n",
        env=env,
    )

    assert (result.exit_code, result.stdout) == (0, "read 1, imported 1, skipped existing 0, rejected 0\n")


@pytest.mark.parametrize("name", ["-", "users.json", "users"], ids=["stdin", "json", "no-extension"])
def test_import_needs_a_format_it_cannot_tell(
    runner: Any, env: dict[str, str], tmp_path: Path, name: str
) -> None:
    """Without --format, only .jsonl, .ndjson and .csv say the format; anything else is a usage error."""
    path = tmp_path / name
    path.write_bytes(_jsonl(ADA))

    result = runner.invoke(
        cli.main, ["users", "import", name if name == "-" else str(path)], env=env, input=b""
    )

    assert result.exit_code == 2
    assert "cannot tell the format of" in result.stderr


def test_import_format_option_overrides_the_extension(import_file: Any, store: UserStore) -> None:
    """--format wins over the file name; .ndjson is JSON Lines too."""
    import_file(b"name,email\nAda,ada@example.com\n", "--format", "csv", name="users.txt")
    import_file(_jsonl(GRACE), name="users.ndjson")

    assert [name for name, _ in _names_and_emails(store)] == ["Ada", "Grace Hopper"]


def test_import_of_a_missing_file_is_a_usage_error(runner: Any, env: dict[str, str], tmp_path: Path) -> None:
    """A FILE that does not exist is refused before anything starts."""
    result = runner.run("users", "import", str(tmp_path / "nope.jsonl"), env=env)

    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_import_migrates_a_fresh_sqlite_database(runner: Any, tmp_path: Path) -> None:
    """Like `serve`, import brings the embedded SQLite database to head first."""
    path = tmp_path / "users.jsonl"
    path.write_bytes(_jsonl(ADA))
    env = {"PEOPLE_API_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}"}

    result = runner.run("users", "import", str(path), env=env)

    assert (result.exit_code, result.stdout) == (0, "read 1, imported 1, skipped existing 0, rejected 0\n")


def test_import_leaves_postgresql_to_db_upgrade_and_reports_a_database_failure(
    runner: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL import does not migrate; a database it cannot use stops it with exit 3."""
    upgrades: list[object] = []
    monkeypatch.setattr(migrations, "upgrade", lambda *args: upgrades.append(args))
    path = tmp_path / "users.jsonl"
    path.write_bytes(_jsonl(ADA))
    env = {
        "PEOPLE_API_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
        "PEOPLE_API_STATEMENT_TIMEOUT": "1",
    }

    result = runner.run("users", "import", str(path), env=env)

    assert result.exit_code == 3
    assert result.stderr.startswith("Error: the database failed (")
    assert upgrades == []


def test_import_with_worker_processes_gives_the_same_outcome(
    runner: Any, env: dict[str, str], store: UserStore, tmp_path: Path
) -> None:
    """--jobs 2 checks batches in worker processes; reports, order and users are as with one process."""
    content = _jsonl(ADA, {"name": "Bob", "email": "bob"}, GRACE, {**ADA, "email": "ADA@example.com"}, ALAN)
    path = tmp_path / "users.jsonl"
    path.write_bytes(content)

    result = runner.run("users", "import", str(path), "--jobs", "2", "--batch-size", "1", env=env)

    assert result.stderr == (
        "line 2: email: Not a valid email address: An email address must have an @-sign.\n"
        "line 4: email: Already taken by an earlier line of this input.\n"
    )
    assert result.stdout == "read 5, imported 3, skipped existing 0, rejected 2\n"
    assert [name for name, _ in _names_and_emails(store)] == ["Ada Lovelace", "Grace Hopper", "Alan Turing"]


def test_import_progress_bar_only_on_a_terminal(
    import_file: Any, monkeypatch: pytest.MonkeyPatch, store: UserStore
) -> None:
    """Off a terminal stderr holds only bad lines; on one, a bar is drawn and bad lines clear its row."""
    quiet = import_file(_jsonl(ADA, {"name": "Bob", "email": "bob"}))
    monkeypatch.setattr(cli.users, "_on_terminal", lambda: True)

    shown = import_file(_jsonl(GRACE, {"name": "Bob", "email": "bob"}))

    assert "importing" not in quiet.stderr
    assert quiet.stderr.startswith("line 2: ")
    assert "importing" in shown.stderr
    assert "\r\x1b[2Kline 2: " in shown.stderr


# --- exporting ------------------------------------------------------------------------------------


def _make(store: UserStore, count: int) -> list[UserRow]:
    return [stored_user(store, name=f"User {n}", email=f"user{n}@example.com") for n in range(count)]


def test_export_writes_each_user_as_the_api_returns_it(
    runner: Any, env: dict[str, str], store: UserStore, client: FlaskClient
) -> None:
    """Each line is json.dumps of the user GET /people/v1/users/{id} answers (keys in column order,
    UTF-8 kept); a count goes to stderr."""
    odd = {"name": 'Zoë "東京" \\ \u2028 tab\tend', "email": "z@e.com"}
    created = [client.post(USERS, json=user).get_json() for user in (ADA, odd)]

    result = runner.run("users", "export", env=env)

    assert result.exit_code == 0
    served = [client.get(f"{USERS}/{user['id']}").get_json() for user in created]
    expected = [
        json.dumps({key: body[key] for key in formats.COLUMNS}, ensure_ascii=False) for body in served
    ]
    assert result.stdout.split("\n") == [*expected, ""]
    assert result.stderr == "exported 2 users\n"


@pytest.mark.parametrize(
    ("fmt", "expected"), [("jsonl", b""), ("csv", b"id,name,email,created_at,updated_at\r\n")]
)
def test_export_of_no_users_is_empty(store: UserStore, fmt: formats.Format, expected: bytes) -> None:
    """With no users, JSON Lines export is empty and CSV export is the header alone."""
    out = io.BytesIO()

    assert exporting.export_users(store, out, fmt) == 0
    assert out.getvalue() == expected


def test_export_is_in_creation_order_across_pages(store: UserStore) -> None:
    """Users come out in creation order, page after page of the keyset (never one big read)."""
    users = _make(store, 7)
    store.delete(users[3].id)
    out = io.BytesIO()

    written = exporting.export_users(store, out, "jsonl", page_size=2)

    names = [json.loads(line)["name"] for line in out.getvalue().splitlines()]
    assert (written, names) == (6, [user.name for user in users if user is not users[3]])


def test_export_csv_has_a_header_and_quotes_as_rfc_4180(
    runner: Any, env: dict[str, str], store: UserStore
) -> None:
    """CSV export: the header row, then one row per user, quoted where needed, CRLF line ends."""
    user = stored_user(store, name='Lovelace, "Ada"', email="ada@example.com")

    result = runner.run("users", "export", "--format", "csv", env=env)

    assert result.stdout_bytes == (
        b"id,name,email,created_at,updated_at\r\n"
        + f'{user.id},"Lovelace, ""Ada""",ada@example.com,'.encode()
        + f"{user.created_at.isoformat()},{user.updated_at.isoformat()}\r\n".encode()
    )


@pytest.mark.parametrize("name", ["users.jsonl", "users.csv"])
def test_export_then_import_restores_the_same_users(
    runner: Any, env: dict[str, str], store: UserStore, tmp_path: Path, name: str
) -> None:
    """An export imported into an empty database gives back every user: ids, names, emails and times."""
    _make(store, 3)
    stored_user(store, name='Multi\nline, "quoted" Zoë', email="zoe@example.com")
    originals = _users(store)
    target = tmp_path / name
    runner.run("users", "export", "-o", str(target), env=env)
    for user in originals:
        store.delete(user.id)

    result = runner.run("users", "import", str(target), "--jobs", "1", env=env)

    assert (result.exit_code, result.stdout) == (0, "read 4, imported 4, skipped existing 0, rejected 0\n")
    restored = _users(store)
    assert [(u.id, u.name, u.email, u.created_at, u.updated_at) for u in restored] == [
        (u.id, u.name, u.email, u.created_at, u.updated_at) for u in originals
    ]


def test_export_to_a_file_is_all_or_nothing(
    runner: Any, env: dict[str, str], store: UserStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """-o writes a temporary file and renames it when complete: a failed export leaves no partial file."""
    _make(store, 3)
    target = tmp_path / "users.jsonl"

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("database went away")

    monkeypatch.setattr(UserStore, "list_page", broken)
    with pytest.raises(RuntimeError):
        runner.run("users", "export", "-o", str(target), env=env)

    assert [path.name for path in tmp_path.iterdir() if not path.name.startswith("people.db")] == []


def test_export_format_comes_from_the_output_name(
    runner: Any, env: dict[str, str], store: UserStore, tmp_path: Path
) -> None:
    """-o users.csv writes CSV; an output name with another extension needs --format."""
    _make(store, 1)

    runner.run("users", "export", "-o", str(tmp_path / "users.csv"), env=env)
    refused = runner.run("users", "export", "-o", str(tmp_path / "users.txt"), env=env)

    assert (tmp_path / "users.csv").read_bytes().startswith(b"id,name,email,created_at,updated_at\r\n")
    assert refused.exit_code == 2


def test_export_progress_bar_only_on_a_terminal(
    runner: Any, env: dict[str, str], store: UserStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The export bar (sized by a count of users) appears only when stderr is a terminal."""
    _make(store, 2)
    quiet = runner.run("users", "export", env=env)
    monkeypatch.setattr(cli.users, "_on_terminal", lambda: True)

    shown = runner.run("users", "export", env=env)

    assert quiet.stderr == "exported 2 users\n"
    assert shown.stderr.startswith("exporting")
    assert shown.stdout == quiet.stdout


# --- the import schema's fast path agrees with the API's rules ---------------------------------


QUICK_LOAD_CASES: list[dict[str, Any]] = [
    {"name": "Ada", "email": "ada@example.com"},
    {"name": "  Ada \u2003", "email": "ada@example.com"},
    {"name": "\u3000", "email": "ada@example.com"},
    {"name": "a" * 200, "email": "ada@example.com"},
    {"name": "a" * 201, "email": "ada@example.com"},
    {"name": None, "email": "ada@example.com"},
    {"name": 12, "email": "ada@example.com"},
    {"name": "Ada", "email": "ada"},
    {"name": "Ada", "email": "äda@example.com"},
    {"name": "Ada", "email": "a@b"},
    {"name": "Ada"},
    {"name": "Ada", "email": "ada@example.com", "age": 1},
    {
        "name": "Ada",
        "email": "ada@example.com",
        "id": str(uuid.uuid4()),
        "created_at": "2020-01-01T00:00:00Z",
    },
    {"name": "Ada", "email": "ada@example.com", "id": "nope"},
    {"name": "Ada", "email": "ada@example.com", "id": None, "updated_at": None},
    {"name": "Ada", "email": "ada@example.com", "created_at": "yesterday"},
    {},
]


@pytest.mark.parametrize("data", QUICK_LOAD_CASES)
def test_quick_load_agrees_with_load(data: dict[str, Any]) -> None:
    """The import schema's quick_load gives load()'s result, or raises load()'s errors, for any record."""
    schema = checking.UserImportSchema()

    def outcome(load: Callable[[dict[str, Any]], dict[str, Any]]) -> Any:
        try:
            return load(dict(data))
        except ma.ValidationError as error:
            return error.messages

    assert outcome(schema.quick_load) == outcome(schema.load)


def test_import_schema_is_the_create_schema_with_more_fields() -> None:
    """The import schema keeps every create rule, the API's email check included, and the create
    schema has no hook but the name trim (quick_load relies on both)."""
    create, imported = schemas.UserCreateSchema(), checking.UserImportSchema()

    def shown(validators: list[Any]) -> list[str]:
        return [repr(validator) for validator in validators]

    assert rules.email in imported.fields["email"].validators
    assert shown(imported.fields["email"].validators) == shown(create.fields["email"].validators)
    assert shown(imported.fields["name"].validators) == shown(create.fields["name"].validators)
    hooks = {tag: names for tag, names in checking.UserImportSchema._hooks.items() if names}
    assert hooks == {"post_load": [("_trim", False, {"pass_original": False})]}
