"""The `people-api` command: spec write/check, db upgrade and serve."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from people_api import serving
from people_api.contract import spec
from people_api.observability import logs
from people_api.storage import migrations, tables

SPEC_FILES = ("openapi.json", "openapi.yaml", "reference.html")


def test_spec_write_writes_the_canonical_files(runner: Any, tmp_path: Path) -> None:
    """`spec write DIR` creates DIR and writes exactly what spec.render produces, naming each file."""
    target = tmp_path / "nested" / "spec"

    result = runner.run("spec", "write", str(target))

    assert result.exit_code == 0
    assert result.output == "".join(f"{target / name}\n" for name in SPEC_FILES)
    expected = spec.render(spec.document())
    assert {name: (target / name).read_text(encoding="utf-8") for name in SPEC_FILES} == expected


def test_spec_check_accepts_what_spec_write_wrote(runner: Any, tmp_path: Path) -> None:
    """A directory fresh from `spec write` passes `spec check`."""
    runner.run("spec", "write", str(tmp_path))

    result = runner.run("spec", "check", str(tmp_path))

    assert result.exit_code == 0
    assert result.output == f"{tmp_path} matches the code\n"


@pytest.mark.parametrize("name", SPEC_FILES)
def test_spec_check_fails_on_a_tampered_file(runner: Any, tmp_path: Path, name: str) -> None:
    """One changed byte in either file makes `spec check` exit 1 naming that file."""
    runner.run("spec", "write", str(tmp_path))
    path = tmp_path / name
    path.write_text(path.read_text(encoding="utf-8").replace("people-api", "people-apj", 1), encoding="utf-8")

    result = runner.run("spec", "check", str(tmp_path))

    assert result.exit_code == 1
    assert f"Error: {name} in {tmp_path} differ from the code" in result.output


def test_spec_check_fails_on_a_missing_file(runner: Any, tmp_path: Path) -> None:
    """A spec directory without openapi.yaml does not pass the drift check."""
    runner.run("spec", "write", str(tmp_path))
    (tmp_path / "openapi.yaml").unlink()

    result = runner.run("spec", "check", str(tmp_path))

    assert result.exit_code == 1
    assert f"Error: openapi.yaml in {tmp_path} differ from the code" in result.output


def test_db_upgrade_creates_the_users_table(runner: Any, tmp_path: Path) -> None:
    """`db upgrade` migrates the database in PEOPLE_API_DATABASE_URL to the schema the tables describe."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"

    result = runner.run("db", "upgrade", env={"PEOPLE_API_DATABASE_URL": url})

    assert result.exit_code == 0
    assert result.output == "database at head\n"
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        migrated = compare_metadata(MigrationContext.configure(conn), tables.metadata)
    engine.dispose()
    assert migrated == []


def test_serve_help_lists_its_options(runner: Any) -> None:
    """`serve --help` documents host, port, workers and threads."""
    result = runner.run("serve", "--help")

    assert result.exit_code == 0
    for option in ("--host", "--port", "--workers", "--threads"):
        assert option in result.output


class FakeGranian:
    """Stands in for granian.Granian: records how it was built, its startup hooks and whether it served."""

    instances: ClassVar[list[FakeGranian]] = []

    def __init__(self, target: str, **options: Any) -> None:
        self.target = target
        self.options = options
        self.served = False
        self.serve_options: dict[str, Any] = {}
        self.environ: dict[str, str] = {}
        self.metrics_dir_contents: list[str] | None = None
        self.startup_hooks: list[Callable[[], object]] = []
        FakeGranian.instances.append(self)

    def on_startup(self, hook: Callable[[], object]) -> None:
        self.startup_hooks.append(hook)

    def serve(self, **options: Any) -> None:
        self.served = True
        self.serve_options = options
        self.environ = dict(os.environ)  # what the workers would inherit
        metrics_dir = self.environ.get("PROMETHEUS_MULTIPROC_DIR")
        self.metrics_dir_contents = os.listdir(metrics_dir) if metrics_dir else None


@pytest.fixture
def fake_granian(monkeypatch: pytest.MonkeyPatch) -> type[FakeGranian]:
    """Replace granian's server class so `serve` returns instead of listening (and, as nothing listens,
    skip the check that the port is free: the default port may be taken on a shared machine)."""
    import granian

    FakeGranian.instances = []
    monkeypatch.setattr(granian, "Granian", FakeGranian)
    monkeypatch.setattr(serving, "ensure_port_free", lambda host, port: None)
    return FakeGranian


def test_serve_runs_granian_with_the_given_options(
    runner: Any, tmp_path: Path, fake_granian: type[FakeGranian]
) -> None:
    """`serve` hands people_api.wsgi:app to granian's WSGI interface with the command-line options."""
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings
    from granian.log import LogLevels

    url = f"sqlite:///{tmp_path / 'serve.db'}"
    env = {"PEOPLE_API_DATABASE_URL": url, "PEOPLE_API_HOST": "", "PEOPLE_API_PORT": ""}
    runner.run("keys", "create", "--name", "ops", "--scope", "users:read", env=env)  # protected mode

    result = runner.run(
        "serve", "--host", "0.0.0.0", "--port", "8123", "--workers", "2", "--threads", "4", env=env
    )

    assert result.exit_code == 0
    (server,) = fake_granian.instances
    assert (server.target, server.options, server.served) == (
        "people_api.wsgi:app",
        {
            "address": "0.0.0.0",
            "port": 8123,
            "interface": Interfaces.WSGI,
            "workers": 2,
            "blocking_threads": 4,
            "http": HTTPModes.http1,
            "http1_settings": HTTP1Settings(header_read_timeout=serving.KEEP_ALIVE_SECONDS * 1000),
            "backlog": serving.BACKLOG,
            "backpressure": serving.connections_per_worker(serving.raise_fd_limit(), 2),
            "respawn_failed_workers": True,
            "workers_kill_timeout": 10,
            "log_level": LogLevels.info,
            "log_dictconfig": logs.dictconfig("info"),
        },
        True,
    )


def test_serve_closes_idle_connections_after_the_keep_alive_timeout(
    runner: Any, tmp_path: Path, fake_granian: type[FakeGranian]
) -> None:
    """--keep-alive-timeout sets granian's one timer for idle connections and request heads."""
    runner.run(
        "serve",
        "--keep-alive-timeout",
        "7",
        env={"PEOPLE_API_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}"},
    )

    (server,) = fake_granian.instances
    assert server.options["http1_settings"].header_read_timeout == 7000


def test_serve_kills_a_worker_still_stopping_after_the_statement_timeout(
    runner: Any, tmp_path: Path, fake_granian: type[FakeGranian]
) -> None:
    """A worker that has not stopped 5 s after any request could have ended is killed, not waited for."""
    env = {
        "PEOPLE_API_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "PEOPLE_API_STATEMENT_TIMEOUT": "30",
    }

    runner.run("serve", env=env)

    (server,) = fake_granian.instances
    assert server.options["workers_kill_timeout"] == 35


def test_serve_defaults_come_from_the_environment(
    runner: Any, tmp_path: Path, fake_granian: type[FakeGranian]
) -> None:
    """Without --host/--port, `serve` binds PEOPLE_API_HOST and PEOPLE_API_PORT with one worker of
    16 threads."""
    env = {
        "PEOPLE_API_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "PEOPLE_API_HOST": "127.0.0.2",
        "PEOPLE_API_PORT": "5099",
    }

    runner.run("serve", env=env)

    (server,) = fake_granian.instances
    assert (server.options["address"], server.options["port"]) == ("127.0.0.2", 5099)
    assert (server.options["workers"], server.options["blocking_threads"]) == (1, 16)


def test_serve_has_granian_log_at_the_configured_level_in_json(
    runner: Any, tmp_path: Path, fake_granian: type[FakeGranian]
) -> None:
    """PEOPLE_API_LOG_LEVEL reaches granian, with the JSON logging setup it applies in every process."""
    from granian.log import LogLevels

    env = {"PEOPLE_API_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}", "PEOPLE_API_LOG_LEVEL": "warning"}

    runner.run("serve", env=env)

    (server,) = fake_granian.instances
    assert (server.options["log_level"], server.options["log_dictconfig"]) == (
        LogLevels.warning,
        logs.dictconfig("warning"),
    )


def test_serve_gives_its_workers_an_empty_metrics_directory_removed_at_exit(
    runner: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_granian: type[FakeGranian]
) -> None:
    """While granian runs, PROMETHEUS_MULTIPROC_DIR names a new empty folder; afterwards both are gone."""
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)

    runner.run("serve", env={"PEOPLE_API_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}"})

    (server,) = fake_granian.instances
    metrics_dir = server.environ["PROMETHEUS_MULTIPROC_DIR"]
    assert server.metrics_dir_contents == []
    assert not os.path.exists(metrics_dir)
    assert "PROMETHEUS_MULTIPROC_DIR" not in os.environ


def test_serve_migrates_the_embedded_sqlite_database(
    runner: Any, tmp_path: Path, fake_granian: type[FakeGranian]
) -> None:
    """On SQLite, `serve` brings the schema to head before serving."""
    url = f"sqlite:///{tmp_path / 'serve.db'}"

    runner.run("serve", env={"PEOPLE_API_DATABASE_URL": url})

    engine = sa.create_engine(url)
    assert "users" in sa.inspect(engine).get_table_names()
    engine.dispose()


def test_serve_leaves_a_shared_postgresql_to_db_upgrade(
    runner: Any, monkeypatch: pytest.MonkeyPatch, fake_granian: type[FakeGranian]
) -> None:
    """On PostgreSQL, `serve` does not migrate: the schema is migrated once, by `db upgrade`."""
    upgrades: list[object] = []
    monkeypatch.setattr(migrations, "upgrade", lambda *args: upgrades.append(args))
    env = {"PEOPLE_API_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"}

    result = runner.run("serve", env=env)

    assert result.exit_code == 0
    assert upgrades == []
    assert fake_granian.instances[0].served is True


@pytest.mark.parametrize(
    "args",
    [("serve", "--port", "0"), ("serve", "--port", "65536"), ("serve", "--workers", "0")],
    ids=["port-0", "port-65536", "workers-0"],
)
def test_serve_rejects_out_of_range_options(runner: Any, args: tuple[str, ...]) -> None:
    """Out-of-range numbers are a usage error (exit 2), before anything starts."""
    result = runner.run(*args)

    assert result.exit_code == 2


def test_serve_has_granian_load_the_app_through_its_worker_loader(
    runner: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_granian: type[FakeGranian]
) -> None:
    """granian gets a loader of its own (the one that ties workers to the main process), returning the
    app run one request at a time."""
    monkeypatch.setenv("PEOPLE_API_DATABASE_URL", f"sqlite:///{tmp_path / 'serve.db'}")
    runner.run("serve")
    from people_api.wsgi import app

    (server,) = fake_granian.instances
    assert server.serve_options["wrap_loader"] is False
    assert server.serve_options["target_loader"]().app is app


def test_serve_refuses_a_port_something_listens_on(
    runner: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a listener already on the address, `serve` exits 1 with a one-line error and starts nothing."""
    import granian

    monkeypatch.setattr(granian, "Granian", None)  # calling it would fail the test loudly
    env = {"PEOPLE_API_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}", "PEOPLE_API_HOST": ""}
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]

        result = runner.run("serve", "--port", str(port), env=env)

    assert (result.exit_code, result.output) == (
        1,
        f"Error: cannot listen on 127.0.0.1:{port}: Address already in use\n",
    )


def _sqlite_env(tmp_path: Path) -> dict[str, str]:
    return {"PEOPLE_API_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}", "PEOPLE_API_PROTECTED_MODE": ""}


def test_serve_refuses_a_network_address_while_no_key_exists(
    runner: Any, tmp_path: Path, fake_granian: type[FakeGranian]
) -> None:
    """Protected mode: 0.0.0.0 with an empty key table exits 1 with one line saying how to make a key."""
    result = runner.run("serve", "--host", "0.0.0.0", env=_sqlite_env(tmp_path))

    assert result.exit_code == 1
    assert result.stderr == (
        "Error: refusing to serve 0.0.0.0 with no API key (protected mode): create one with "
        "`people-api keys create --name NAME --scope users:read --scope users:write`, "
        "or pass --no-protected-mode to serve it open to anyone.\n"
    )
    assert fake_granian.instances == []


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost"])
def test_serve_on_loopback_needs_no_key(
    runner: Any, tmp_path: Path, fake_granian: type[FakeGranian], host: str
) -> None:
    """Only this machine can reach a loopback address, so it is served open."""
    result = runner.run("serve", "--host", host, env=_sqlite_env(tmp_path))

    assert result.exit_code == 0
    assert fake_granian.instances[0].served is True


def _logged(stderr: str) -> list[tuple[str, str]]:
    """(level, message) of each JSON log line `serve` wrote on stderr."""
    return [(line["level"], line["event"]) for line in map(json.loads, stderr.splitlines())]


def test_serve_with_no_protected_mode_serves_open_and_warns(
    runner: Any, tmp_path: Path, fake_granian: type[FakeGranian]
) -> None:
    """--no-protected-mode serves 0.0.0.0 with no key, logs a warning (a JSON line) and tells the workers."""
    result = runner.run("serve", "--host", "0.0.0.0", "--no-protected-mode", env=_sqlite_env(tmp_path))

    assert result.exit_code == 0
    (server,) = fake_granian.instances
    assert (server.served, server.environ["PEOPLE_API_PROTECTED_MODE"]) == (True, "no")
    assert [entry for entry in _logged(result.stderr) if entry[0] == "warning"] == [
        (
            "warning",
            "protected mode is off and no API key exists: anyone who can reach 0.0.0.0 can read, "
            "change and delete every user",
        )
    ]


def test_serve_with_protected_mode_no_in_the_environment_serves_open(
    runner: Any, tmp_path: Path, fake_granian: type[FakeGranian]
) -> None:
    """PEOPLE_API_PROTECTED_MODE=no is the same opt-out as the flag, with the same warning."""
    env = {**_sqlite_env(tmp_path), "PEOPLE_API_PROTECTED_MODE": "no"}

    result = runner.run("serve", "--host", "0.0.0.0", env=env)

    assert result.exit_code == 0
    assert fake_granian.instances[0].served is True
    assert [level for level, _ in _logged(result.stderr) if level != "info"] == ["warning"]


def test_serve_refuses_a_network_address_when_it_cannot_tell_if_keys_exist(
    runner: Any, fake_granian: type[FakeGranian]
) -> None:
    """An unreachable database on a network address: exit 1 rather than guess it is protected."""
    env = {"PEOPLE_API_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"}

    result = runner.run("serve", "--host", "0.0.0.0", env=env)

    assert result.exit_code == 1
    assert result.stderr.startswith("Error: cannot tell whether any API key exists")
    assert fake_granian.instances == []
