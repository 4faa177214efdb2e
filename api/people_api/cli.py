"""The `people-api` command: serve, write the spec, migrate the database, import and export users."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

import click
import sqlalchemy as sa

from people_api import auth, db, logs, serving, spec
from people_api.compat import breaking_changes
from people_api.config import Settings
from people_api.keys import SCOPES, ApiKey, KeyNotFound, KeyStore
from people_api.users.bulk import formats
from people_api.users.bulk.exporting import export_users
from people_api.users.bulk.importing import BATCH_SIZE, import_users
from people_api.users.bulk.inserts import BulkInserts
from people_api.users.bulk.reading import InputError
from people_api.users.store import UserStore

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar
    from sqlalchemy.engine import Engine

logger = logging.getLogger("people_api")


@click.group()
def main() -> None:
    """people-api: a users directory over HTTP."""


@main.command()
@click.option("--host", help="Address to bind [default: PEOPLE_API_HOST or 127.0.0.1].")
@click.option("--port", type=click.IntRange(1, 65535), help="Port [default: PEOPLE_API_PORT or 5001].")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True, help="Worker processes.")
@click.option(
    "--threads", type=click.IntRange(1, 256), default=1, show_default=True, help="Threads per worker."
)
@click.option(
    "--no-protected-mode",
    "unprotected",
    is_flag=True,
    help="With no API key, serve a non-loopback address anyway, open to anyone who can reach it "
    "[default: PEOPLE_API_PROTECTED_MODE=no does the same].",
)
def serve(host: str | None, port: int | None, workers: int, threads: int, unprotected: bool) -> None:
    """Serve the API with granian (a production WSGI server).

    Protected mode: while the database holds no API key, only a loopback address is served.
    """
    settings = Settings.from_env()
    # serve's own records (the protected-mode warning) as JSON lines too, like its workers'.
    logs.configure(settings.log_level)
    address = host or settings.host
    engine = db.create_engine(settings)
    db.upgrade_if_embedded(engine)
    try:
        _protected_mode_check(engine, address, settings.protected_mode and not unprotected)
    finally:
        engine.dispose()
    if unprotected:
        os.environ["PEOPLE_API_PROTECTED_MODE"] = "no"  # the workers read their settings from the environment
    try:
        serving.serve(
            address, port or settings.port, workers, threads, settings.statement_timeout, settings.log_level
        )
    except serving.PortUnavailable as error:
        raise click.ClickException(str(error)) from None


def _protected_mode_check(engine: Engine, address: str, protected: bool) -> None:
    """Refuse to serve a non-loopback address while no API key exists, unless protection is off (loudly)."""
    if auth.is_loopback(address):
        return
    try:
        keys_exist = KeyStore(engine).any_exist()
    except sa.exc.SQLAlchemyError as error:
        reason = getattr(error, "orig", None) or error
        raise click.ClickException(
            f"cannot tell whether any API key exists ({reason}); is the database up and migrated "
            "(`people-api db upgrade`)?"
        ) from None
    if keys_exist:
        return
    if protected:
        raise click.ClickException(
            f"refusing to serve {address} with no API key (protected mode): create one with "
            "`people-api keys create --name NAME --scope users:read --scope users:write`, "
            "or pass --no-protected-mode to serve it open to anyone."
        )
    logger.warning(
        "protected mode is off and no API key exists: anyone who can reach %s can read, change and "
        "delete every user",
        address,
    )


@main.group("db")
def db_group() -> None:
    """Database schema commands."""


@db_group.command()
@click.option("--revision", default="head", show_default=True, help="Alembic revision to reach.")
def upgrade(revision: str) -> None:
    """Apply the Alembic migrations to PEOPLE_API_DATABASE_URL."""
    db.upgrade(db.create_engine(Settings.from_env()), revision)
    click.echo(f"database at {revision}")


@main.group("spec")
def spec_group() -> None:
    """The OpenAPI document."""


@spec_group.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default="spec")
def write(directory: Path) -> None:
    """Write openapi.json, openapi.yaml and reference.html (the spec in ReDoc, one file) into DIRECTORY."""
    for path in spec.write(directory):
        click.echo(path)


@spec_group.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default="spec")
def check(directory: Path) -> None:
    """Fail if DIRECTORY does not hold exactly what the code generates."""
    stale = spec.stale(directory)
    if stale:
        raise click.ClickException(
            f"{', '.join(stale)} in {directory} differ from the code; run `nox -s spec -- --write`."
        )
    click.echo(f"{directory} matches the code")


SPEC_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@spec_group.command()
@click.argument("released", type=SPEC_FILE, default="spec/released/openapi.json")
@click.argument("current", type=SPEC_FILE, default="spec/openapi.json")
def compat(released: Path, current: Path) -> None:
    """Fail if CURRENT breaks a client of RELEASED, the last released contract."""
    old, new = (json.loads(path.read_text(encoding="utf-8")) for path in (released, current))
    breaks = breaking_changes(old, new)
    if breaks:
        raise click.ClickException(
            f"{current} has {len(breaks)} breaking change(s) against {released}:\n"
            + "".join(f"  - {line}\n" for line in breaks)
            + "An intended break needs a new major version path (/people/v2), not an edit to v1;"
            " see spec/released/README.md."
        )
    click.echo(f"{current} keeps every promise of {released}")


@main.group()
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


@contextlib.contextmanager
def _database() -> Iterator[sa.Engine]:
    """PEOPLE_API_DATABASE_URL, for one command; its connections close when it ends."""
    settings = Settings.from_env()
    engine = db.create_engine(settings)
    try:
        db.upgrade_if_embedded(engine)
        yield engine
    finally:
        engine.dispose()


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
        with _database() as engine, click.open_file(file, "rb") as stream, bar:
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
    with _database() as engine:
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


@main.group("keys")
def keys_group() -> None:
    """API keys: create, list and revoke.

    Once the database holds any key (revoked ones included), every /people/v1 request needs one,
    sent as `Authorization: Bearer TOKEN`.
    """


@contextlib.contextmanager
def _key_store() -> Iterator[KeyStore]:
    """The API keys of PEOPLE_API_DATABASE_URL, for one command; its connections close when it ends."""
    engine = db.create_engine(Settings.from_env())
    try:
        db.upgrade_if_embedded(engine)
        yield KeyStore(engine)
    finally:
        engine.dispose()


def _key_name(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    name = value.strip()
    if not 1 <= len(name) <= 100:
        raise click.BadParameter("must be 1 to 100 characters")
    return name


@keys_group.command("create")
@click.option("--name", required=True, callback=_key_name, help="Who or what the key is for.")
@click.option(
    "--scope",
    "scopes",
    required=True,
    multiple=True,
    type=click.Choice(SCOPES),
    help="What the key may do; repeat for several. users:read is GET, users:write the rest.",
)
def create_key(name: str, scopes: tuple[str, ...]) -> None:
    """Create an API key and print its token: only the token, on stdout.

    The token is shown this once; the database keeps only its hash.

    \b
        TOKEN=$(people-api keys create --name backoffice --scope users:read)
        curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:5001/people/v1/users
    """
    with _key_store() as store:
        key, token = store.create(name, scopes)
    click.echo(
        f"created API key {key.id} ({key.name}) with {' '.join(sorted(key.scopes))}; "
        "its token, on stdout, is shown only this once",
        err=True,
    )
    click.echo(token)


def _when(moment: datetime | None) -> str:
    return "-" if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@keys_group.command("list")
def list_keys() -> None:
    """List every key: id, name, scopes, created, last used (to the minute) and revoked. Never a token."""
    with _key_store() as store:
        found = store.all()
    if not found:
        click.echo("no API keys: the service is open, to loopback clients only (protected mode)", err=True)
        return
    rows = [("ID", "NAME", "SCOPES", "CREATED", "LAST USED", "REVOKED"), *map(_key_row, found)]
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def _key_row(key: ApiKey) -> tuple[str, str, str, str, str, str]:
    scopes = ",".join(sorted(key.scopes))
    return key.id, key.name, scopes, _when(key.created_at), _when(key.last_used_at), _when(key.revoked_at)


@keys_group.command("revoke")
@click.argument("key_id", metavar="ID")
def revoke_key(key_id: str) -> None:
    """Revoke the key ID for good: its token gets 401 from now on.

    The key stays listed, and the service stays protected even when every key is revoked.
    """
    with _key_store() as store:
        try:
            key = store.revoke(key_id)
        except KeyNotFound:
            raise click.ClickException(f"no API key has id {key_id!r}; see `people-api keys list`.") from None
    click.echo(f"revoked API key {key.id} ({key.name}) at {_when(key.revoked_at)}")
