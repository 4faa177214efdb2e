"""Exporting users: every user in creation order, a page at a time, written through the wire format."""

from __future__ import annotations

import csv
import io
import json
import operator
from collections.abc import Callable, Iterator
from typing import IO, Any

from people_api.users.bulk.formats import COLUMNS, Format
from people_api.users.bulk.spreadsheets import protect
from people_api.users.schemas import UserSchema
from people_api.users.store import UserRow, UserStore

EXPORT_PAGE_SIZE = 5000
# Each user exactly as the API returns it, limited to the fields an import takes back.
_WIRE = UserSchema(only=COLUMNS)


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
        write: Callable[[list[dict[str, Any]]], None]
        if fmt == "csv":
            writer = csv.writer(text, lineterminator="\r\n")
            writer.writerow(COLUMNS)
            cells = operator.itemgetter(*COLUMNS)

            def write(users: list[dict[str, Any]]) -> None:
                # Every cell through `protect`, so a name or email never opens as a live formula.
                # A null stays an empty cell, which import reads as missing.
                writer.writerows([[cell and protect(cell) for cell in cells(user)] for user in users])

        else:
            encode = json.JSONEncoder(ensure_ascii=False).encode

            def write(users: list[dict[str, Any]]) -> None:
                text.write("".join(f"{encode(user)}\n" for user in users))

        for page in _pages(store, page_size):
            write(_WIRE.dump(page, many=True))
            written += len(page)
            on_progress(len(page))
        text.flush()
    finally:
        text.detach()  # the caller owns `out`
    return written
