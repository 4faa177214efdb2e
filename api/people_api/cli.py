"""The `people-api` command: serve, write the spec, migrate the database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import yaml

from people_api import create_app, db
from people_api.config import Settings


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
def serve(host: str | None, port: int | None, workers: int, threads: int) -> None:
    """Serve the API with granian (a production WSGI server)."""
    from granian import Granian
    from granian.constants import Interfaces

    settings = Settings.from_env()
    # The embedded default migrates itself; a shared PostgreSQL is migrated once, by `db upgrade`.
    if settings.database_url.startswith("sqlite"):
        db.upgrade(db.create_engine(settings))
    Granian(
        "people_api.wsgi:app",
        address=host or settings.host,
        port=port or settings.port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=threads,
    ).serve()


@main.group("db")
def db_group() -> None:
    """Database schema commands."""


@db_group.command()
@click.option("--revision", default="head", show_default=True, help="Alembic revision to reach.")
def upgrade(revision: str) -> None:
    """Apply the Alembic migrations to PEOPLE_API_DATABASE_URL."""
    db.upgrade(db.create_engine(Settings.from_env()), revision)
    click.echo(f"database at {revision}")


def spec_document() -> dict[str, Any]:
    """The OpenAPI document the code describes, built without touching any database."""
    app = create_app(Settings(database_url="sqlite://"))
    document: dict[str, Any] = app.extensions["people_api.api"].spec.to_dict()
    return document


def render_spec(document: dict[str, Any]) -> dict[str, str]:
    """The committed files, in canonical form so a diff means a change."""
    return {
        "openapi.json": json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
        "openapi.yaml": yaml.safe_dump(document, sort_keys=True, allow_unicode=True, width=100),
    }


@main.group()
def spec() -> None:
    """The OpenAPI document."""


@spec.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default="spec")
def write(directory: Path) -> None:
    """Write openapi.json and openapi.yaml into DIRECTORY."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in render_spec(spec_document()).items():
        (directory / name).write_text(text, encoding="utf-8")
        click.echo(directory / name)


@spec.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default="spec")
def check(directory: Path) -> None:
    """Fail if DIRECTORY does not hold exactly what the code generates."""
    stale = [
        name
        for name, text in render_spec(spec_document()).items()
        if not (directory / name).is_file() or (directory / name).read_text(encoding="utf-8") != text
    ]
    if stale:
        raise click.ClickException(
            f"{', '.join(stale)} in {directory} differ from the code; run `nox -s spec -- --write`."
        )
    click.echo(f"{directory} matches the code")


SPEC_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@spec.command()
@click.argument("released", type=SPEC_FILE, default="spec/released/openapi.json")
@click.argument("current", type=SPEC_FILE, default="spec/openapi.json")
def compat(released: Path, current: Path) -> None:
    """Fail if CURRENT breaks a client of RELEASED, the last released contract."""
    from people_api.compat import breaking_changes

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
