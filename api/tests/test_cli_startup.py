"""The first minutes with `people-api`: a quick --help, the settings in force, a mistyped setting
stopping `serve` with one line, and the line `serve` logs once it listens."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pytest

from people_api import cli, serving
from people_api.cli.serve import base_url

# Run in a fresh interpreter: this one has imported the app long ago.
_HELP_IMPORTS = """
import sys
from people_api.cli import main
try:
    main(["--help"])
except SystemExit:
    pass
print(sorted(name for name in ("flask", "sqlalchemy", "flask_smorest", "granian") if name in sys.modules))
"""


def test_help_imports_neither_flask_nor_sqlalchemy() -> None:
    """`people-api --help` loads no part of the app, which is what keeps it well under half a second."""
    done = subprocess.run([sys.executable, "-c", _HELP_IMPORTS], capture_output=True, text=True, check=True)

    assert done.stdout.splitlines()[-1] == "[]"


@pytest.mark.parametrize("name", list(cli.COMMANDS))
def test_help_lists_each_commands_own_summary(name: str) -> None:
    """The summary --help shows without importing a command is the one its docstring gives."""
    command = cli.main.get_command(click.Context(cli.main), name)

    assert command is not None
    assert cli.COMMANDS[name][1] == command.get_short_help_str(limit=200)


def test_config_prints_each_setting_with_its_source(runner: Any) -> None:
    """`people-api config` prints a row per variable: its value, passwords masked, and where it came from."""
    env = {"PEOPLE_API_DATABASE_URL": "postgresql+psycopg://app:s3cret@db:5432/people"}

    result = runner.run("config", env=env)

    assert result.exit_code == 0
    rows = [line.split() for line in result.output.splitlines()]
    assert rows[0] == ["VARIABLE", "VALUE", "FROM"]
    assert ["PEOPLE_API_DATABASE_URL", "postgresql+psycopg://app:***@db:5432/people", "environment"] in rows
    assert ["PEOPLE_API_PORT", "5001", "default"] in rows
    assert "s3cret" not in result.output


@pytest.mark.parametrize("command", [["serve"], ["config"], ["db", "upgrade"], ["keys", "list"]])
def test_a_mistyped_variable_stops_the_command_with_one_line(runner: Any, command: list[str]) -> None:
    """An unknown PEOPLE_API_* variable ends serve (and any command reading settings) with exit 1 and
    one line naming it."""
    result = runner.run(*command, env={"PEOPLE_API_PROT_MODE": "no"})

    assert result.exit_code == 1
    assert result.output == (
        "Error: PEOPLE_API_PROT_MODE is not a setting people-api knows"
        " (did you mean PEOPLE_API_PROTECTED_MODE?)\n"
    )


def test_an_unparsable_redis_url_stops_serve(runner: Any) -> None:
    """A Redis URL with a port that is not a number stops serve before anything starts."""
    result = runner.run("serve", env={"PEOPLE_API_RATE_LIMIT_STORAGE": "redis://localhost:63a9"})

    assert result.exit_code == 1
    assert result.output.startswith("Error: PEOPLE_API_RATE_LIMIT_STORAGE is not a usable Redis URL")


def test_serve_logs_where_it_listens_and_where_the_docs_are(
    runner: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Once the port accepts connections, serve logs one JSON line with the API's address and docs URL."""
    listener = socket.create_server(("127.0.0.1", 0))  # stands in for granian's workers
    port = listener.getsockname()[1]

    def started(*_args: Any, on_start: Callable[[], object], **_kwargs: Any) -> None:
        on_start()
        for thread in threading.enumerate():
            if thread.name == "people-api-ready":
                thread.join()

    monkeypatch.setattr(serving, "serve", started)
    env = {"PEOPLE_API_DATABASE_URL": f"sqlite:///{tmp_path / 'people.db'}"}

    with listener:
        result = runner.run("serve", "--port", str(port), env=env)

    assert result.exit_code == 0
    url = f"http://127.0.0.1:{port}"
    ready = [line for line in map(json.loads, result.stderr.splitlines()) if "url" in line]
    assert [(line["event"], line["url"], line["docs"]) for line in ready] == [
        (f"people-api listening on {url}, docs at {url}/docs", url, f"{url}/docs")
    ]


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("127.0.0.1", "http://127.0.0.1:5001"),
        ("0.0.0.0", "http://127.0.0.1:5001"),
        ("::", "http://[::1]:5001"),
        ("fe80::1", "http://[fe80::1]:5001"),
        ("api.internal", "http://api.internal:5001"),
    ],
)
def test_base_url_is_reachable_from_this_machine(host: str, url: str) -> None:
    """A wildcard bind is reached through loopback; IPv6 addresses are bracketed."""
    assert base_url(host, 5001) == url
