"""Import and export of users as JSON Lines or CSV, streamed in constant memory.

Import reads a byte stream line by line (no line may exceed 1 MiB, the API's body limit), checks
each record with the API's own create schema, and inserts in batches, one transaction each, through
UserStore.import_batch: an email (or id) already taken is skipped, never duplicated, so a re-run of
the same file adds nothing. With more than one job, worker processes check and prepare batches
while this process only reads and inserts; the results come back in file order, at most jobs + 1
batches ahead, so memory stays bounded however long the input.

Export pages through the users in creation order by their keyset (never OFFSET, never all at once)
and writes each user as the API returns it; import reads that back.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import multiprocessing
import os
import re
import signal
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any, Literal

import email_validator
import marshmallow as ma

from people_api import MAX_BODY_BYTES
from people_api.users import schemas
from people_api.users.schemas import UserCreateSchema
from people_api.users.store import ImportPreparer, NewUser, PreparedUsers, UserRow, UserStore

Format = Literal["jsonl", "csv"]
FORMATS: tuple[Format, ...] = ("jsonl", "csv")
EXTENSIONS: dict[str, Format] = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}
# What export writes, in this order: a user exactly as the API returns it.
COLUMNS = ("id", "name", "email", "created_at", "updated_at")
REQUIRED_COLUMNS = ("name", "email")
MAX_LINE_BYTES = MAX_BODY_BYTES
# 50 000 rows commit in about a second on SQLite (1 M rows: 37-41 s at 50 000, 44-56 s at 20 000, on
# the 2-CPU machines of this project): few syncs for a fast load, yet a short enough hold on the write
# lock for a server writing beside it, which waits up to its statement timeout (5 s by default).
BATCH_SIZE = 50_000
# However short the lines, a batch stops at 16 MiB of input: at most jobs + 2 batches are in memory.
MAX_BATCH_BYTES = 16 * 1024 * 1024
EXPORT_PAGE_SIZE = 5000


class InputError(ValueError):
    """The input cannot be imported at all (a CSV header that does not name the columns)."""


class _UtcDateTime(ma.fields.AwareDateTime):
    """An ISO 8601 time with an offset, moved to UTC (what both engines store)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            return moment.astimezone(UTC)
        except OverflowError:  # 0001-01-01T00:00+01:00 is a valid string but not a UTC time
            raise self.make_error("invalid", input=value, obj_type=self.OBJ_TYPE) from None


# Addresses the API's email check (schemas._email: email-validator, syntax only) always accepts,
# recognised by one regular expression instead of ~100 µs of email-validator: an ASCII dot-atom
# local part, and a host name of letter-digit-hyphen labels (each 1-63, no leading or trailing
# hyphen) under a letters-only top-level domain. The caller also rules out "--" after the @ (no
# Punycode or reserved R-LDH labels), special-use top-level domains and more than 254 characters.
# Every other address gets the full check and its exact message; tests hold this to email-validator.
_PLAIN_ADDRESS = re.compile(
    r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,63})"
)
_SPECIAL_TLDS = frozenset(name.rsplit(".", 1)[-1] for name in email_validator.SPECIAL_USE_DOMAIN_NAMES)
_MAX_EMAIL = 254


def plainly_valid_email(value: str) -> bool:
    """True only for addresses that schemas._email is known to accept (see _PLAIN_ADDRESS)."""
    match = _PLAIN_ADDRESS.fullmatch(value)
    return (
        match is not None
        and len(value) <= _MAX_EMAIL
        and "--" not in value.partition("@")[2]
        and match[1].lower() not in _SPECIAL_TLDS
    )


def _email(value: str) -> None:
    """schemas._email's verdict and message, without its cost for plainly valid addresses."""
    if not plainly_valid_email(value):
        schemas._email(value)


def _uuid4(value: uuid.UUID | None) -> None:
    if value is not None and value.version != 4:
        raise ma.ValidationError("Not a UUID4 (the only kind of id users have).")


class UserImportSchema(UserCreateSchema):
    """One imported user: the create body (the same rules, inherited), plus what an export carries.

    `id`, `created_at` and `updated_at` are optional; given, they are kept, so users moved from one
    database to another keep their URLs and history. Missing, they are made as a create makes them.
    (`updated_at` also needs `created_at`, and may not be earlier: `verdict` checks that, because a
    marshmallow schema-level hook would add a quarter to the cost of every load.)
    """

    id = ma.fields.UUID(allow_none=True, validate=_uuid4)
    created_at = _UtcDateTime(allow_none=True)
    updated_at = _UtcDateTime(allow_none=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # The inherited email field, with its email-validator check swapped for the same verdict, faster.
        field = self.fields["email"]
        field.validators = [_email if check is schemas._email else check for check in field.validators]
        self._required = frozenset(name for name, field in self.load_fields.items() if field.required)

    def quick_load(self, data: dict[str, Any]) -> dict[str, Any]:
        """`load(data)`, at about a quarter of the cost for a record that is all there and all valid.

        Such a record goes through the schema's own fields (every validator the API runs) and its
        post_load (the name trim), without marshmallow's per-load bookkeeping, which costs more than
        the checks themselves. Anything else (a missing or unknown key, a value a field refuses) is
        handed to load() itself, for its exact verdict and messages. The schema has no other hooks;
        the tests hold quick_load to load().
        """
        fields = self.load_fields
        if self._required <= data.keys() and all(key in fields for key in data):
            try:
                checked = {key: fields[key].deserialize(value) for key, value in data.items()}
                trimmed: dict[str, Any] = self._trim(checked)
                return trimmed
            except ma.ValidationError:
                pass
        loaded: dict[str, Any] = self.load(data)
        return loaded


# --- reading -------------------------------------------------------------------------------------


class Unusable(str):
    """Why a line could not even be parsed; it is rejected with this reason."""


# (line number, what to validate): a JSON text, a CSV row by column, or why the line is unusable.
Record = tuple[int, str | dict[str, str]]


class _Lines:
    """The physical lines of a byte stream as text, none longer than MAX_LINE_BYTES.

    An unusable line (too long, not UTF-8) is still yielded, as harmless text, so a CSV parser stays
    in step; `take_problem` says what was wrong with it.
    """

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self.number = 0  # of the last line yielded
        self.offset = 0  # bytes consumed
        self._problem: str | None = None

    def take_problem(self) -> str | None:
        """What was wrong with the lines read since the last call, if anything; forgets it."""
        problem, self._problem = self._problem, None
        return problem

    def __iter__(self) -> Iterator[str]:
        read = self._stream.readline
        while raw := read(MAX_LINE_BYTES + 1):
            self.number += 1
            self.offset += len(raw)
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                while (rest := read(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
                    self.offset += len(rest)
                self.offset += len(rest)
                self._problem = self._problem or f"Longer than {MAX_LINE_BYTES} bytes."
                yield "\n"
                continue
            if self.number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as error:
                self._problem = self._problem or f"Not valid UTF-8 (byte {error.start + 1} of the line)."
                yield raw.decode("utf-8", "replace")


def _is_blank(text: str) -> bool:
    return not text.strip(" \t\r\n")


def jsonl_records(lines: _Lines) -> Iterator[Record]:
    """One record per non-blank line; the JSON is parsed where it is validated."""
    for text in lines:
        problem = lines.take_problem()
        if problem is not None:
            yield lines.number, Unusable(problem)
        elif not _is_blank(text):
            yield lines.number, text.rstrip("\r\n")


def _header(cells: list[str], line: int) -> list[str]:
    names = [cell.strip() for cell in cells]
    unknown = [name for name in names if name not in COLUMNS]
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    repeated = sorted({name for name in names if names.count(name) > 1})
    faults = []
    if missing:
        faults.append(f"no {', '.join(missing)} column")
    if unknown:
        faults.append(f"unknown column(s) {', '.join(map(repr, unknown))}")
    if repeated:
        faults.append(f"repeated column(s) {', '.join(repeated)}")
    if faults:
        raise InputError(
            f"line {line}: the CSV header has {'; '.join(faults)} "
            f"(columns: {', '.join(COLUMNS)}; name and email are required)."
        )
    return names


def csv_records(lines: _Lines) -> Iterator[Record]:
    """One record per CSV row after the header row; a quoted field may span lines (RFC 4180)."""
    reader = csv.reader(lines, strict=True)
    header: list[str] | None = None
    while True:
        start = lines.number + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield start, Unusable(lines.take_problem() or f"Not valid CSV: {error}.")
            continue
        problem = lines.take_problem()
        if problem is None and (not cells or (len(cells) == 1 and _is_blank(cells[0]))):
            continue
        if header is None:
            header = _header(cells, start)  # a header line that is unusable fails here too
        elif problem is not None:
            yield start, Unusable(problem)
        elif len(cells) != len(header):
            yield start, Unusable(f"{len(cells)} fields; the header has {len(header)}.")
        else:
            # An empty optional cell means "not given", as a missing key does in JSON.
            yield (
                start,
                {
                    name: cell
                    for name, cell in zip(header, cells, strict=True)
                    if cell or name in REQUIRED_COLUMNS
                },
            )


def records(stream: IO[bytes], fmt: Format) -> tuple[_Lines, Iterator[Record]]:
    """The records of `stream` in `fmt`, and the line source (for its byte offset)."""
    lines = _Lines(stream)
    return lines, (jsonl_records(lines) if fmt == "jsonl" else csv_records(lines))


# --- validating ----------------------------------------------------------------------------------

_schema: UserImportSchema | None = None


def _messages(messages: dict[str, Any]) -> str:
    """marshmallow's {field: [message, ...]} as one line: `email: Not a valid ...; name: ...`."""
    return "; ".join(
        f"{field}: {' '.join(map(str, text)) if isinstance(text, list) else text}"
        for field, text in sorted(messages.items())
    )


def _parse_json(text: str) -> dict[str, Any] | str:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        return f"Not valid JSON: {error.msg} (column {error.colno})."
    except (ValueError, RecursionError) as error:  # a 5000-digit number, [[[[... nested too deep
        return f"Not valid JSON: {'nested too deeply' if isinstance(error, RecursionError) else error}."
    if not isinstance(data, dict):
        return "Not a JSON object."
    return data


def verdict(load: Callable[[dict[str, Any]], dict[str, Any]], payload: str | dict[str, str]) -> NewUser | str:
    """The user a record describes, or why it was rejected."""
    if isinstance(payload, Unusable):
        return str(payload)
    data = _parse_json(payload) if isinstance(payload, str) else payload
    if isinstance(data, str):  # why it is not JSON, or not an object
        return data
    try:
        user = load(data)
    except ma.ValidationError as error:
        return _messages(error.messages_dict)
    created, updated = user.get("created_at"), user.get("updated_at")
    if updated is not None and created is None:
        return "updated_at: Give created_at too."
    if updated is not None and created is not None and updated < created:
        return "updated_at: Earlier than created_at."
    return NewUser(**user)


@dataclass(frozen=True, slots=True)
class Checked:
    """A validated batch: the rejected lines with their reasons, and the rest ready to insert."""

    rejected: list[tuple[int, str]]
    lines: list[int]  # of the good records, in order
    rows: PreparedUsers  # the good records, as UserStore.import_batch takes them


def check(batch: list[Record], prepare: ImportPreparer) -> Checked:
    """Validate a batch with the API's rules and prepare the good records (runs in worker processes)."""
    global _schema
    if _schema is None:
        _schema = UserImportSchema()
    load = _schema.quick_load
    rejected: list[tuple[int, str]] = []
    lines: list[int] = []
    good: list[NewUser] = []
    for line, payload in batch:
        outcome = verdict(load, payload)
        if isinstance(outcome, str):
            rejected.append((line, outcome))
        else:
            lines.append(line)
            good.append(outcome)
    return Checked(rejected, lines, prepare(good))


def _start_worker() -> None:
    # Ctrl-C is the importing process's to handle; workers just go away with it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The single writer is the bottleneck: when CPUs are short, it comes first and workers fill in.
    os.nice(5)


@dataclass(frozen=True, slots=True)
class _Batch:
    records: list[Record]
    offset: int  # bytes of input consumed once this batch was read


def _batches(lines: _Lines, found: Iterator[Record], size: int) -> Iterator[_Batch]:
    """`size` records at a time, fewer when they take more than MAX_BATCH_BYTES of input."""
    batch: list[Record] = []
    start = lines.offset
    for record in found:
        batch.append(record)
        if len(batch) == size or lines.offset - start >= MAX_BATCH_BYTES:
            yield _Batch(batch, lines.offset)
            batch, start = [], lines.offset
    if batch:
        yield _Batch(batch, lines.offset)


def _checked(batches: Iterator[_Batch], prepare: ImportPreparer, jobs: int) -> Iterator[tuple[Checked, int]]:
    """Each batch checked, in input order; with jobs > 1 in worker processes, a few batches ahead."""
    ahead = list(itertools.islice(batches, 2))
    if jobs == 1 or len(ahead) < 2:  # one process, or too little input to be worth starting workers
        for batch in itertools.chain(ahead, batches):
            yield check(batch.records, prepare), batch.offset
        return
    pool = ProcessPoolExecutor(
        jobs, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker
    )
    pending: deque[tuple[Future[Checked], int]] = deque()
    try:
        for batch in itertools.chain(ahead, batches):
            pending.append((pool.submit(check, batch.records, prepare), batch.offset))
            # Constant memory: at most jobs + 1 batches read ahead of the one being inserted.
            if len(pending) > jobs:
                future, offset = pending.popleft()
                yield future.result(), offset
        while pending:
            future, offset = pending.popleft()
            yield future.result(), offset
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


# --- importing -----------------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import did, line by line summed up."""

    read: int = 0
    imported: int = 0
    existing: int = 0
    rejected: int = 0

    def __str__(self) -> str:
        return (
            f"read {self.read}, imported {self.imported}, "
            f"skipped existing {self.existing}, rejected {self.rejected}"
        )


def import_users(
    store: UserStore,
    stream: IO[bytes],
    fmt: Format,
    *,
    batch_size: int = BATCH_SIZE,
    jobs: int = 1,
    on_reject: Callable[[int, str], None],
    on_progress: Callable[[int, int], None] = lambda _offset, _records: None,
) -> ImportReport:
    """Import every record of `stream`; call `on_reject(line, reason)` for each bad one, in line order.

    `on_progress(offset, records)` follows each committed batch with the bytes and records read so
    far. Each batch commits on its own, so an import cut short keeps what it committed, and running
    it again finishes the job.
    """
    report = ImportReport()
    since = store.last_seq()
    lines, found = records(stream, fmt)
    for checked, offset in _checked(_batches(lines, found, batch_size), store.import_preparer(), jobs):
        result = store.import_batch(checked.rows, since=since)
        rejects = checked.rejected + [
            (checked.lines[position], f"{field}: Already taken by an earlier line of this input.")
            for position, field in result.repeated
        ]
        report.read += len(checked.rejected) + len(checked.lines)
        report.imported += result.inserted
        report.existing += len(result.existing)
        report.rejected += len(rejects)
        for line, reason in sorted(rejects):
            on_reject(line, reason)
        on_progress(offset, report.read)
    return report


# --- exporting -----------------------------------------------------------------------------------


def _fields(user: UserRow) -> tuple[str, str, str, str, str]:
    # The API's own rendering: UserSchema dumps UUIDs with str() and aware times with isoformat().
    return str(user.id), user.name, user.email, user.created_at.isoformat(), user.updated_at.isoformat()


def _pages(store: UserStore, page_size: int) -> Iterator[list[UserRow]]:
    after: int | None = None
    while True:
        page, after = store.list_page(limit=page_size, after=after)
        if page:
            yield page
        if after is None:
            return


def export_users(
    store: UserStore,
    out: IO[bytes],
    fmt: Format,
    *,
    page_size: int = EXPORT_PAGE_SIZE,
    on_progress: Callable[[int], None] = lambda _count: None,
) -> int:
    """Write every user to `out` in creation order, a page at a time; return how many were written.

    Each page is its own read, as with the API's cursors: a user present for the whole export is
    written exactly once; one created, changed or deleted meanwhile may or may not be.
    """
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=False)
    written = 0
    try:
        write: Callable[[Iterable[tuple[str, ...]]], None]
        if fmt == "csv":
            writer = csv.writer(text, lineterminator="\r\n")
            writer.writerow(COLUMNS)
            write = writer.writerows
        else:
            quote = json.JSONEncoder(ensure_ascii=False).encode
            # json.dumps of the user's dict, spelled out: ids and times are plain ASCII, names and
            # emails go through the JSON encoder. Three times as fast as encoding a dict per line.
            line = '{"id": "%s", "name": %s, "email": %s, "created_at": "%s", "updated_at": "%s"}\n'

            def write(rows: Iterable[tuple[str, ...]]) -> None:
                text.write("".join(line % (i, quote(n), quote(e), c, u) for i, n, e, c, u in rows))

        for page in _pages(store, page_size):
            write(map(_fields, page))
            written += len(page)
            on_progress(len(page))
        text.flush()
    finally:
        text.detach()  # the caller owns `out`
    return written
