"""Schemathesis, every check and every phase: in process through WSGI, and over HTTP against a real
`people-api serve` process (including the stateful phase that follows the spec's links)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from conftest import SCHEMATHESIS_CONFIG, SPEC_PATH
from recording import operations
from schemathesis.config import SchemathesisConfig

from people_api import create_app
from people_api.config import Settings

SEED = "20261125"


@pytest.fixture(scope="session")
def wsgi_schema(database_url: str) -> Any:
    """The served spec of an in-process app over the session database, with a rate limit no run
    reaches: every API response then carries RateLimit and RateLimit-Policy, which Schemathesis
    checks against their documented schemas."""
    app = create_app(Settings(database_url=database_url, rate_limit="1000000/minute"))
    return schemathesis.openapi.from_wsgi(
        "/openapi.json", app, config=SchemathesisConfig.from_path(SCHEMATHESIS_CONFIG)
    )


schema = schemathesis.pytest.from_fixture("wsgi_schema")


@schema.parametrize()
def test_in_process_app_honours_the_contract(case: Any) -> None:
    """Every generated request (examples, coverage, fuzzing) passes every check in process."""
    case.call_and_validate()


def test_real_server_passes_every_check_and_follows_every_link(server: str, tmp_path: Path) -> None:
    """`st run` with all checks and phases finds nothing, and its stateful phase walks every link."""
    command = [
        str(Path(sys.executable).parent / "st"),
        "--config-file", str(SCHEMATHESIS_CONFIG),
        "run", str(SPEC_PATH),
        "--url", server,
        "--checks", "all",
        "--seed", SEED,
        "--report", "ndjson,junit",
        "--report-dir", str(tmp_path),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
    assert "Stateful" in result.stdout
    followed = _followed_links(next(tmp_path.glob("*.ndjson")))
    declared = _declared_links(json.loads(SPEC_PATH.read_text(encoding="utf-8")))
    assert declared - followed == set()


def _declared_links(spec: dict[str, Any]) -> set[str]:
    return {
        name
        for operation in operations(spec)
        for response in operation["responses"].values()
        for name in response.get("links", {})
    }


def _followed_links(report: Path) -> set[str]:
    """Link names of every stateful transition the run applied, read from its NDJSON report."""
    followed: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            transition = node.get("transition")
            if isinstance(transition, dict) and isinstance(transition.get("id"), str):
                # "POST /people/v1/users -> [201] GetUser -> GET /people/v1/users/{user_id}"
                followed.add(transition["id"].split(" -> ")[1].split("] ", 1)[1])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for line in report.read_text(encoding="utf-8").splitlines():
        walk(json.loads(line))
    return followed
