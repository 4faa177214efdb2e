"""`people-api serve` (granian, protected mode) and `people-api db upgrade`."""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

import click
import sqlalchemy as sa

from people_api import serving
from people_api.access import auth
from people_api.access.api_keys import KeyStore
from people_api.config import Settings
from people_api.observability import logs
from people_api.storage import engines, migrations

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

logger = logging.getLogger("people_api")


@click.command()
@click.option("--host", help="Address to bind [default: PEOPLE_API_HOST or 127.0.0.1].")
@click.option("--port", type=click.IntRange(1, 65535), help="Port [default: PEOPLE_API_PORT or 5001].")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True, help="Worker processes.")
@click.option(
    "--threads",
    type=click.IntRange(1, 256),
    default=serving.THREADS,
    show_default=True,
    help="Threads per worker: requests one worker serves at once (more wait). Each slow request "
    "body holds one for at most its deadline.",
)
@click.option(
    "--keep-alive-timeout",
    "keep_alive",
    type=click.IntRange(1, serving.MAX_KEEP_ALIVE_SECONDS),
    default=serving.KEEP_ALIVE_SECONDS,
    show_default=True,
    help="Seconds an idle connection stays open, and a client has to send a request's head. Behind a "
    "load balancer, keep it above the balancer's idle timeout.",
)
@click.option(
    "--no-protected-mode",
    "unprotected",
    is_flag=True,
    help="With no API key, serve a non-loopback address anyway, open to anyone who can reach it "
    "[default: PEOPLE_API_PROTECTED_MODE=no does the same].",
)
def serve(
    host: str | None, port: int | None, workers: int, threads: int, keep_alive: int, unprotected: bool
) -> None:
    """Serve the API with granian (a production WSGI server).

    Protected mode: while the database holds no API key, only a loopback address is served.
    """
    settings = Settings.from_env()
    # serve's own records (the protected-mode warning) as JSON lines too, like its workers'.
    logs.configure(settings.log_level)
    address = host or settings.host
    engine = engines.create_engine(settings)
    migrations.upgrade_if_embedded(engine)
    try:
        _protected_mode_check(engine, address, settings.protected_mode and not unprotected)
    finally:
        engine.dispose()
    if unprotected:
        os.environ["PEOPLE_API_PROTECTED_MODE"] = "no"  # the workers read their settings from the environment
    try:
        serving.serve(
            address,
            port or settings.port,
            workers,
            threads,
            settings.statement_timeout,
            settings.log_level,
            keep_alive,
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


@click.group("db")
def db_group() -> None:
    """Database schema commands."""


@db_group.command()
@click.option("--revision", default="head", show_default=True, help="Alembic revision to reach.")
def upgrade(revision: str) -> None:
    """Apply the Alembic migrations to PEOPLE_API_DATABASE_URL."""
    migrations.upgrade(engines.create_engine(Settings.from_env()), revision)
    click.echo(f"database at {revision}")
