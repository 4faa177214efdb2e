"""Schemathesis, every check and every phase: in process through WSGI, and over HTTP against a real
`people-api serve` process (including the stateful phase that follows the spec's links).

Both send an API key (schemathesis.toml's [auth]) to a server whose database holds keys, as the spec
requires; so the ignored_auth check also sends each operation without the key and with a made-up one,
and must get 401 or 403."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from conftest import SCHEMATHESIS_CONFIG, SPEC_PATH, KeyedServer
from recording import operations
from schemathesis.config import SchemathesisConfig

from people_api.app import create_app
from people_api.config import Settings

SEED = "20261125"


@pytest.fixture(scope="session")
def wsgi_schema(keyed_server: KeyedServer) -> Any:
    """The served spec of an in-process app over the keyed database, sending the full key, with a
    rate limit no run reaches: every API response then carries RateLimit and RateLimit-Policy, which
    Schemathesis checks against their documented schemas."""
    app = create_app(Settings(database_url=keyed_server.database_url, rate_limit="1000000/minute"))
    with pytest.MonkeyPatch.context() as patch:
        for name, value in keyed_server.schemathesis_env.items():
            patch.setenv(name, value)
        config = SchemathesisConfig.from_path(SCHEMATHESIS_CONFIG)
    return schemathesis.openapi.from_wsgi("/openapi.json", app, config=config)


schema = schemathesis.pytest.from_fixture("wsgi_schema")


@schema.parametrize()
def test_in_process_app_honours_the_contract(case: Any) -> None:
    """Every generated request (examples, coverage, fuzzing) passes every check in process."""
    case.call_and_validate()


def test_real_server_passes_every_check_and_follows_every_link(
    keyed_server: KeyedServer, tmp_path: Path
) -> None:
    """`st run` with all checks and phases finds nothing, and its stateful phase walks every link."""
    command = [
        str(Path(sys.executable).parent / "st"),
        "--config-file", str(SCHEMATHESIS_CONFIG),
        "run", str(SPEC_PATH),
        "--url", keyed_server.url,
        "--checks", "all",
        "--seed", SEED,
        "--report", "ndjson,junit",
        "--report-dir", str(tmp_path),
    ]  # fmt: skip
    env = {**os.environ, **keyed_server.schemathesis_env}
    result = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
    assert "Stateful" in result.stdout
    report = next(tmp_path.glob("*.ndjson"))
    followed = _followed_links(report)
    declared = _declared_links(json.loads(SPEC_PATH.read_text(encoding="utf-8")))
    assert declared - followed == set()
    assert _passed_checks(report) >= {"ignored_auth"}


def _declared_links(spec: dict[str, Any]) -> set[str]:
    return {
        name
        for operation in operations(spec)
        for response in operation["responses"].values()
        for name in response.get("links", {})
    }


def _objects(report: Path) -> Iterator[dict[str, Any]]:
    """Every JSON object in an NDJSON report, at any depth."""
    pending: list[Any] = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            yield node
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)


def _passed_checks(report: Path) -> set[str]:
    """Names of the checks the run applied and passed at least once."""
    return {
        node["name"]
        for node in _objects(report)
        if node.get("status") == "success" and isinstance(node.get("name"), str)
    }


def _followed_links(report: Path) -> set[str]:
    """Link names of every stateful transition the run applied."""
    # A transition id reads "POST /people/v1/users -> [201] GetUser -> GET /people/v1/users/{user_id}".
    return {
        node["transition"]["id"].split(" -> ")[1].split("] ", 1)[1]
        for node in _objects(report)
        if isinstance(node.get("transition"), dict) and isinstance(node["transition"].get("id"), str)
    }
