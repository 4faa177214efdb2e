"""Reading an import: a byte stream of JSON Lines or CSV as numbered records, in batches."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, NamedTuple

from people_api.config import MAX_BODY_BYTES
from people_api.users.bulk.formats import COLUMNS, REQUIRED_COLUMNS, Format
from people_api.users.bulk.spreadsheets import unprotect

MAX_LINE_BYTES = MAX_BODY_BYTES
# However short the lines, a batch stops at 16 MiB of input: at most jobs + 2 batches are in memory.
MAX_BATCH_BYTES = 16 * 1024 * 1024


class InputError(ValueError):
    """The input cannot be imported at all (a CSV header that does not name the columns)."""


class Rejection(NamedTuple):
    """A record that cannot become a user, and why; rejections sort by line."""

    line: int
    reason: str


# What a record says, still to be checked: a JSON text, or a CSV row by column.
Content = str | dict[str, str]


@dataclass(frozen=True, slots=True)
class Batch:
    """Consecutive records of the input, and the bytes of it consumed once the last was read."""

    lines: list[int]  # where each record starts
    contents: list[Content]  # what each says, in the same order
    rejected: list[Rejection]  # records that could not even be read
    offset: int


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


def _jsonl_records(lines: _Lines) -> Iterator[tuple[int, Content] | Rejection]:
    """(line, JSON text) for each non-blank line; the JSON is parsed where it is checked."""
    for text in lines:
        problem = lines.take_problem()
        if problem is not None:
            yield Rejection(lines.number, problem)
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
            f"(columns: {', '.join(COLUMNS)}; {' and '.join(REQUIRED_COLUMNS)} are required)."
        )
    return names


def _csv_records(lines: _Lines) -> Iterator[tuple[int, Content] | Rejection]:
    """(line, row by column) for each CSV row after the header row; a quoted field may span lines
    (RFC 4180)."""
    reader = csv.reader(lines, strict=True)
    header: list[str] | None = None
    while True:
        start = lines.number + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield Rejection(start, lines.take_problem() or f"Not valid CSV: {error}.")
            continue
        problem = lines.take_problem()
        if problem is None and (not cells or (len(cells) == 1 and _is_blank(cells[0]))):
            continue
        if header is None:
            header = _header(cells, start)  # a header line that is unusable fails here too
        elif problem is not None:
            yield Rejection(start, problem)
        elif len(cells) != len(header):
            yield Rejection(start, f"{len(cells)} fields; the header has {len(header)}.")
        else:
            # An empty optional cell means "not given", as a missing key does in JSON; a cell export
            # protected from spreadsheets loses that protection.
            row = {
                name: unprotect(cell)
                for name, cell in zip(header, cells, strict=True)
                if cell or name in REQUIRED_COLUMNS
            }
            yield start, row


def batches(stream: IO[bytes], fmt: Format, size: int) -> Iterator[Batch]:
    """The records of `stream` in `fmt`, `size` at a time, fewer when they take more than
    MAX_BATCH_BYTES of input. InputError if the input cannot be read as `fmt` at all."""
    lines = _Lines(stream)
    found = _jsonl_records(lines) if fmt == "jsonl" else _csv_records(lines)
    numbers: list[int] = []
    contents: list[Content] = []
    rejected: list[Rejection] = []
    start = lines.offset
    for record in found:
        if isinstance(record, Rejection):
            rejected.append(record)
        else:
            number, content = record
            numbers.append(number)
            contents.append(content)
        if len(numbers) + len(rejected) == size or lines.offset - start >= MAX_BATCH_BYTES:
            yield Batch(numbers, contents, rejected, lines.offset)
            numbers, contents, rejected = [], [], []
            start = lines.offset
    if numbers or rejected:
        yield Batch(numbers, contents, rejected, lines.offset)
