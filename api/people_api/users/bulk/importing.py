"""Importing users: read, check and insert batch after batch, each committed on its own.

With more than one job, worker processes check and prepare batches while this process only reads and
inserts; results come back in file order, at most jobs + 1 batches ahead, so memory stays bounded
however long the input. A user whose email (or id) is taken is skipped, never duplicated, so a re-run
of the same file adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from people_api.users.bulk import reading
from people_api.users.bulk.formats import Format
from people_api.users.bulk.inserts import BulkInserts
from people_api.users.bulk.reading import Rejection
from people_api.users.bulk.workers import checked_in_order

# Few enough commits for a fast load, yet a short enough hold on SQLite's write lock for a server
# writing beside the import, which waits up to its statement timeout (5 s by default); bench/report.md
# has the measurements behind the number.
BATCH_SIZE = 50_000


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
    inserts: BulkInserts,
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
    it again finishes the job. InputError if `stream` cannot be read as `fmt` at all.
    """
    report = ImportReport()
    since = inserts.last_seq()
    batches = reading.batches(stream, fmt, batch_size)
    for checked in checked_in_order(batches, inserts.preparer(), jobs):
        result = inserts.insert(checked.users, since=since)
        rejections = checked.rejected + [
            Rejection(
                checked.lines[repeat.position],
                f"{repeat.field}: Already taken by an earlier line of this input.",
            )
            for repeat in result.repeated
        ]
        report.read += len(checked.rejected) + len(checked.lines)
        report.imported += result.inserted
        report.existing += len(result.existing)
        report.rejected += len(rejections)
        for rejection in sorted(rejections):
            on_reject(rejection.line, rejection.reason)
        on_progress(checked.offset, report.read)
    return report
