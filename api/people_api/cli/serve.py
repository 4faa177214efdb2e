"""`people-api serve` (granian, protected mode) and `people-api db upgrade`."""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
import threading
import time
from typing import TYPE_CHECKING

import click

from people_api import serving  # its defaults, for --help; it imports granian only to serve
from people_api.cli.database import refusal_explained, require_migrated
from people_api.cli.settings import load

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

# The app, the database and granian are imported by the commands below, not here: `--help` stays quick.
logger = logging.getLogger("people_api")
# How long `serve` waits for its workers to accept connections before saying they do not.
READY_WAIT_SECONDS = 120


@click.command()
@click.option("--host", help="Address to bind [default: PEOPLE_API_HOST or 127.0.0.1].")
@click.option("--port", type=click.IntRange(1, 65535), help="Port [default: PEOPLE_API_PORT or 5001].")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True, help="Worker processes.")
@click.option(
    "--threads",
    type=click.IntRange(1, 256),
    default=serving.THREADS,
    show_default=True,
    help="Threads per worker: requests one worker holds at once (more wait). One at a time runs the "
    "API; the others let requests whose bodies are slow to arrive wait side by side.",
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
    settings = load()
    from people_api.observability import logs
    from people_api.storage import engines, migrations

    # serve's own records (the protected-mode warning) as JSON lines too, like its workers'.
    logs.configure(settings.log_level)
    address = host or settings.host
    bound = port or settings.port
    engine = engines.create_engine(settings)
    try:
        with refusal_explained():
            migrations.upgrade_if_embedded(engine)
        require_migrated(engine)
        _protected_mode_check(engine, address, settings.protected_mode and not unprotected)
    finally:
        engine.dispose()
    if unprotected:
        os.environ["PEOPLE_API_PROTECTED_MODE"] = "no"  # the workers read their settings from the environment
    try:
        serving.serve(
            address,
            bound,
            workers,
            threads,
            settings.statement_timeout,
            settings.log_level,
            keep_alive,
            on_start=lambda: _announce_when_listening(address, bound),
        )
    except serving.PortUnavailable as error:
        raise click.ClickException(str(error)) from None


def base_url(host: str, port: int) -> str:
    """Where a browser on this machine reaches a server bound to host:port (any address: loopback)."""
    unspecified = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}
    host = unspecified.get(host, host)
    try:
        bracketed = f"[{host}]" if ipaddress.ip_address(host).version == 6 else host
    except ValueError:  # a name
        bracketed = host
    return f"http://{bracketed}:{port}"


def _announce_when_listening(host: str, port: int) -> None:
    """Log the one line that says where the API and its docs are, once the port accepts connections.

    granian's workers bind the port themselves (SO_REUSEPORT), each after loading the app, so nothing
    in this process knows when that happens: a thread tries to connect until one succeeds.
    """
    url = base_url(host, port)
    probe_host = url.removeprefix("http://").rpartition(":")[0].strip("[]")

    def wait_then_log() -> None:
        deadline = time.monotonic() + READY_WAIT_SECONDS
        while time.monotonic() < deadline:
            try:
                socket.create_connection((probe_host, port), timeout=1).close()
            except OSError:
                time.sleep(0.05)
                continue
            logger.info(
                "people-api listening on %s, docs at %s/docs",
                url,
                url,
                extra={"url": url, "docs": f"{url}/docs"},
            )
            return
        logger.warning("people-api is not accepting connections on %s after %d s", url, READY_WAIT_SECONDS)

    threading.Thread(target=wait_then_log, name="people-api-ready", daemon=True).start()


def _protected_mode_check(engine: Engine, address: str, protected: bool) -> None:
    """Refuse to serve a non-loopback address while no API key exists, unless protection is off (loudly)."""
    import sqlalchemy as sa

    from people_api.access import auth
    from people_api.access.api_keys import KeyStore

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
    from people_api.storage import engines, migrations

    engine = engines.create_engine(load())
    try:
        with refusal_explained():
            migrations.upgrade(engine, revision)
    finally:
        engine.dispose()  # its connections close now, not whenever the collector finds them
    click.echo(f"database at {revision}")
