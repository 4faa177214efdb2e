"""Schemathesis, every check and every phase: in process through WSGI, and over HTTP against a real
`people-api serve` process (including the stateful phase that follows the spec's links).

Both send an API key (schemathesis.toml's [auth]) to a server whose database holds keys, as the spec
requires; so the ignored_auth check also sends each operation without the key and with a made-up one,
and must get 401 or 403.

Both also run our own checks (consistency.py, loaded through schemathesis.toml's `hooks`): what the
server acknowledges is what it stores, replays and ETags tell the truth, deletes delete. Creates reach
both of the server's create paths in every run: the spec's create example carries an Idempotency-Key
(the examples phase sends it), the coverage phase sends the create with and without its optional
headers, and fuzzing and the stateful phase draw the key as often as not. Both runs are seeded, each
on a database of its own, so what they send is the same every time. BothCreatePaths fails a run in
which one path acknowledged no create; the terminal summary counts the create cases on each path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import schemathesis
from conftest import HERE, SCHEMATHESIS_CONFIG, SPEC_PATH, CreatePaths, KeyedDatabase, KeyedServer
from consistency import BothCreatePaths
from recording import operations
from schemathesis.checks import run_checks_for
from schemathesis.config import SchemathesisConfig

from people_api.app import create_app
from people_api.config import Settings

SEED = "20261125"
# Our checks (consistency.py); each must have applied, and passed, at least once in the served run.
OUR_CHECKS = frozenset(
    {
        "what_is_acknowledged_is_stored",
        "a_replay_is_the_original",
        "etag_agrees_with_the_body",
        "a_delete_is_a_delete",
        "BothCreatePaths",
    }
)
# Those the stateful phase's links (create, then get, replace, update, delete) always give work.
STATEFUL_CHECKS = frozenset(
    {"what_is_acknowledged_is_stored", "etag_agrees_with_the_body", "a_delete_is_a_delete"}
)
USERS = "/people/v1/users"


@pytest.fixture(scope="session")
def wsgi_schema(in_process_database: KeyedDatabase) -> Iterator[Any]:
    """The served spec of an in-process app over a keyed database of its own, sending the full key,
    with a rate limit no run reaches: every API response then carries RateLimit and RateLimit-Policy,
    which Schemathesis checks against their documented schemas."""
    app = create_app(Settings(database_url=in_process_database.url, rate_limit="1000000/minute"))
    with pytest.MonkeyPatch.context() as patch:
        for name, value in in_process_database.schemathesis_env.items():
            patch.setenv(name, value)
        config = SchemathesisConfig.from_path(SCHEMATHESIS_CONFIG)
    yield schemathesis.openapi.from_wsgi("/openapi.json", app, config=config)
    app.extensions["people_api.engine"].dispose()


schema = schemathesis.pytest.from_fixture("wsgi_schema")


@schema.parametrize()
def test_in_process_app_honours_the_contract(case: Any, create_paths: CreatePaths) -> None:
    """Every generated request (examples, coverage, fuzzing) passes every check in process."""
    case.call_and_validate()
    # Each operation's test has a schema (and checks) of its own; BothCreatePaths sees the creates.
    tally = run_checks_for(case.operation.schema).instances["BothCreatePaths"]
    assert isinstance(tally, BothCreatePaths)
    run = create_paths.setdefault("in process", {})
    for path in ("keyed", "unkeyed"):
        run.setdefault(f"{path} sent", set()).update(tally.sent[path])
        run.setdefault(f"{path} acknowledged", set()).update(tally.acknowledged[path])


def test_real_server_passes_every_check_and_follows_every_link(
    keyed_server: KeyedServer, tmp_path: Path, create_paths: CreatePaths
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
    # schemathesis.toml's hooks module (our own checks) lives beside the tests.
    env = {**os.environ, **keyed_server.schemathesis_env, "PYTHONPATH": str(HERE)}
    result = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
    assert "Stateful" in result.stdout
    report = next(tmp_path.glob("*.ndjson"))
    followed = _followed_links(report)
    declared = _declared_links(json.loads(SPEC_PATH.read_text(encoding="utf-8")))
    assert declared - followed == set()
    assert _passed_checks(report) >= {"ignored_auth", *OUR_CHECKS}
    # The stateful phase walks create -> get/replace/update/delete, where our checks matter most.
    assert _passed_checks(report, phase="stateful") >= STATEFUL_CHECKS
    create_paths["served"] = _create_paths(report)
    counts = {path: len(cases) for path, cases in create_paths["served"].items()}
    assert counts["keyed acknowledged"] > 0, counts
    assert counts["unkeyed acknowledged"] > 0, counts


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


def _passed_checks(report: Path, phase: str | None = None) -> set[str]:
    """Names of the checks the run (or one phase of it) applied and passed at least once."""
    return {
        check["name"]
        for node in _objects(report)
        if isinstance(node.get("ScenarioFinished"), dict)
        and phase in (None, node["ScenarioFinished"].get("phase"))
        for checks in ((node["ScenarioFinished"].get("recorder") or {}).get("checks") or {}).values()
        for check in checks
        if check.get("status") == "success"
    }


def _followed_links(report: Path) -> set[str]:
    """Link names of every stateful transition the run applied."""
    # A transition id reads "POST /people/v1/users -> [201] GetUser -> GET /people/v1/users/{user_id}".
    return {
        node["transition"]["id"].split(" -> ")[1].split("] ", 1)[1]
        for node in _objects(report)
        if isinstance(node.get("transition"), dict) and isinstance(node["transition"].get("id"), str)
    }


def _create_paths(report: Path) -> dict[str, set[str]]:
    """Which create cases the run sent with an Idempotency-Key and without, and which of them were
    acknowledged (2xx, replays included), as BothCreatePaths counts them in process."""
    found: dict[str, set[str]] = {
        f"{path} {what}": set() for path in ("keyed", "unkeyed") for what in ("sent", "acknowledged")
    }
    interactions = (
        (case_id, interaction)
        for node in _objects(report)
        if isinstance(node.get("interactions"), dict)  # a scenario's recorder: case id -> interaction
        for case_id, interaction in node["interactions"].items()
    )
    for case_id, interaction in interactions:
        request, response = interaction["request"], interaction.get("response")
        if not isinstance(response, dict):
            continue
        if request["method"] != "POST" or urlsplit(request["uri"]).path != USERS:
            continue
        path = "keyed" if "Idempotency-Key" in request["headers"] else "unkeyed"
        found[f"{path} sent"].add(case_id)
        if 200 <= response["status_code"] < 300:
            found[f"{path} acknowledged"].add(case_id)
    return found
