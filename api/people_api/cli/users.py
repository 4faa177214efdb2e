"""`people-api users import|export`: users as JSON Lines or CSV, streamed."""

from __future__ import annotations

import contextlib
import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

import click
import sqlalchemy as sa

from people_api.cli.database import command_engine
from people_api.users.bulk import formats
from people_api.users.bulk.exporting import export_users
from people_api.users.bulk.importing import BATCH_SIZE, import_users
from people_api.users.bulk.inserts import BulkInserts
from people_api.users.bulk.reading import InputError
from people_api.users.store import UserStore

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar


@click.group()
def users() -> None:
    """Import and export users (JSON Lines or CSV)."""


def _format_of(path: str, given: str | None) -> formats.Format:
    """--format if given, else the one FILE's extension names; stdin and other extensions need --format."""
    if given is not None:
        return cast(formats.Format, given)  # click.Choice(FORMATS) let only those through
    suffix = Path(path).suffix.lower() if path != "-" else ""
    if suffix not in formats.EXTENSIONS:
        raise click.UsageError(
            f"cannot tell the format of {path!r} from its name "
            f"(use {', '.join(formats.EXTENSIONS)}, or give --format)."
        )
    return formats.EXTENSIONS[suffix]


def _on_terminal() -> bool:
    """Whether stderr is a terminal: progress bars are for people, never for logs, pipes or captures."""
    return sys.stderr.isatty()


def _progress_bar(label: str, length: int | None) -> ProgressBar[Any]:
    """A progress bar on stderr, shown only on a terminal."""
    hidden = not _on_terminal()
    if length is None:  # unknown size (stdin): a moving bar and a count
        unsized = (step for step in range(0))  # a generator has no length hint: click assumes none
        return click.progressbar(unsized, label=label, file=sys.stderr, hidden=hidden, show_pos=True)
    return click.progressbar(length=length, label=label, file=sys.stderr, hidden=hidden)


FORMAT_OPTION = click.option(
    "--format",
    "fmt",
    type=click.Choice(formats.FORMATS),
    help="jsonl (JSON Lines) or csv [default: from the file name: .jsonl, .ndjson or .csv].",
)


@users.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@FORMAT_OPTION
@click.option(
    "--batch-size",
    type=click.IntRange(1, 100_000),
    default=BATCH_SIZE,
    show_default=True,
    help="Users inserted per transaction.",
)
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    help="Processes checking lines; 1 checks them in this one [default: the number of CPUs, at most 4].",
)
def import_(file: str, fmt: str | None, batch_size: int, jobs: int | None) -> None:
    """Import users from FILE (`-` for stdin): one per JSON line, or per CSV row after a header row.

    Each line is checked with the API's rules. A bad line is reported on stderr with its number and
    the reason, and every good line is imported. A user whose email (in any case) or id is already
    there is skipped, so running the same import again adds nothing.

    Exit status: 0 when every line was imported or skipped; 1 when some lines were rejected (the
    rest were imported); 2 on a usage error or a CSV header without the name and email columns
    (nothing imported); 3 when the database failed part-way (committed batches stay: run the
    import again to finish).
    """
    fmt_ = _format_of(file, fmt)
    size = None if file == "-" else os.path.getsize(file)
    bar = _progress_bar("importing", size)
    # A reason printed under a visible bar first clears the bar's line; the bar redraws below it.
    clear = "\r\x1b[2K" if _on_terminal() else ""

    def reject(line: int, reason: str) -> None:
        click.echo(f"{clear}line {line}: {reason}", err=True, color=True if clear else None)

    def progress(offset: int, records: int) -> None:
        bar.update((records if size is None else offset) - bar.pos)

    try:
        with command_engine() as engine, click.open_file(file, "rb") as stream, bar:
            report = import_users(
                BulkInserts(engine),
                stream,
                fmt_,
                batch_size=batch_size,
                jobs=jobs or min(os.cpu_count() or 1, 4),
                on_reject=reject,
                on_progress=progress,
            )
    except InputError as error:
        raise click.BadParameter(str(error), param_hint="FILE") from None
    except sa.exc.SQLAlchemyError as error:
        reason = getattr(error, "orig", None) or error
        click.echo(f"Error: the database failed ({reason}); batches already committed stay.", err=True)
        raise SystemExit(3) from None
    click.echo(str(report))
    if report.rejected:
        raise SystemExit(1)


@users.command("export")
@FORMAT_OPTION
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, allow_dash=True),
    default="-",
    help="File to write; it appears only once complete [default: stdout, as jsonl].",
)
def export(fmt: str | None, output: str) -> None:
    """Write every user in creation order: id, name, email, created_at, updated_at.

    The output is exactly what `people-api users import` reads back, ids and times included.
    """
    fmt_ = _format_of(output, fmt) if fmt or output != "-" else "jsonl"
    with command_engine() as engine:
        store = UserStore(engine)
        with (
            _progress_bar("exporting", store.count() if _on_terminal() else 0) as bar,
            _all_or_nothing(output) as stream,
        ):
            written = export_users(store, stream, fmt_, on_progress=bar.update)
    click.echo(f"exported {written} users", err=True)


@contextlib.contextmanager
def _all_or_nothing(output: str) -> Iterator[IO[bytes]]:
    """stdout, or a new file beside `output` renamed onto it once complete and removed on failure."""
    if output == "-":
        sys.stdout.flush()
        yield sys.stdout.buffer
        return
    target = Path(output)
    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.partial")
    # O_EXCL: never write through someone else's file or link; 0o666 less the umask, as open() does.
    with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), "wb") as stream:
        try:
            yield stream
        except BaseException:
            partial.unlink()
            raise
    os.replace(partial, target)
