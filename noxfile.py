"""Every developer and CI entry point for people-api; `nox -l` lists them."""

from __future__ import annotations

import filecmp
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import nox

nox.needs_version = ">=2026.10.20"
nox.options.default_venv_backend = "uv"
# Keep session venvs between local runs (mypy's cache is slow to build); CI starts clean anyway.
nox.options.reuse_venv = "yes"
nox.options.error_on_external_run = True
nox.options.sessions = ["lint", "typecheck", "tests", "spec", "client", "contract"]

ROOT = Path(__file__).parent
SPEC_LINT = ROOT / "spec" / "lint"
CI = os.environ.get("CI") == "true"


def sync(session: nox.Session, *groups: str, project: bool = True) -> None:
    """Install exactly what uv.lock pins for these dependency groups into the session venv."""
    flag = "--group" if project else "--only-group"
    args = ["uv", "sync", "--locked", "--no-default-groups", *(f"{flag}={group}" for group in groups)]
    session.run_install(*args, env={"UV_PROJECT_ENVIRONMENT": session.virtualenv.location})


@nox.session(tags=["check"])
def lint(session: nox.Session) -> None:
    """Ruff lint and format check."""
    sync(session, "lint", project=False)
    session.run("ruff", "check", *session.posargs)
    session.run("ruff", "format", "--check", "--diff")


@nox.session(tags=["check"])
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the server, its tests, the contract tests and this file."""
    sync(session, "typing")
    session.run("mypy", "api/people_api", "api/tests", "contract-tests", "noxfile.py", *session.posargs)


@nox.session(tags=["test"])
@nox.parametrize("db", ["sqlite", "postgres"], ids=["sqlite", "postgres"])
def tests(session: nox.Session, db: str) -> None:
    """Server tests with branch coverage, on one database engine."""
    sync(session, "tests")
    env = {"COVERAGE_FILE": f".coverage.{db}", "PEOPLE_API_TEST_DB": db}
    session.run("coverage", "erase", env=env)
    session.run("coverage", "run", "-m", "pytest", *session.posargs, env=env)
    session.run("coverage", "report", env=env)


@nox.session(tags=["contract"])
def spec(session: nox.Session) -> None:
    """Check spec/ is exactly what the code generates, is valid, breaks nothing in spec/released/
    (the last released contract) and passes Spectral's OWASP API Security ruleset with no error;
    `-- --write` updates spec/ but never spec/released/."""
    sync(session, "codegen")
    if "--write" in session.posargs:
        session.run("people-api", "spec", "write", "spec")
    session.run("people-api", "spec", "check", "spec")
    session.run("openapi-spec-validator", "spec/openapi.json", "spec/openapi.yaml")
    session.run("people-api", "spec", "compat")
    spectral = _spectral(session)
    ruleset = SPEC_LINT / "ruleset.yaml"
    session.run(
        spectral, "lint", "--ruleset", str(ruleset), "--fail-severity", "error", "spec/openapi.json",
        external=True,
    )  # fmt: skip


def _spectral(session: nox.Session) -> str:
    """The spectral command, installed by `npm ci` exactly as spec/lint/package-lock.json pins it."""
    installed = SPEC_LINT / "node_modules" / ".people-api-lock.sha256"
    wanted = hashlib.sha256((SPEC_LINT / "package-lock.json").read_bytes()).hexdigest()
    if not installed.is_file() or installed.read_text() != wanted:
        # --ignore-scripts: no package's install script runs (one would only send telemetry).
        session.run(
            "npm", "ci", "--prefix", str(SPEC_LINT), "--ignore-scripts", "--no-audit", "--no-fund",
            external=True,
        )  # fmt: skip
        installed.write_text(wanted)
    return str(SPEC_LINT / "node_modules" / ".bin" / "spectral")


@nox.session(tags=["contract"])
def client(session: nox.Session) -> None:
    """Regenerate the client from the spec the code describes and fail on any difference from
    client/; `-- --write` updates it. (Generating from the code, not from spec/, means an edited
    schema fails this session too, even before anyone regenerates spec/.)"""
    sync(session, "codegen")
    target = ROOT / "client"
    with tempfile.TemporaryDirectory() as tmp:
        generated = Path(tmp) / "client"
        session.run("people-api", "spec", "write", tmp, silent=True)
        session.run(
            "openapi-python-client", "generate",
            "--path", f"{tmp}/openapi.json",
            "--config", "client/config.yaml",
            "--output-path", str(generated),
            "--meta", "uv",
            "--fail-on-warning",
        )  # fmt: skip
        shutil.copy(target / "config.yaml", generated / "config.yaml")
        if "--write" in session.posargs:
            shutil.rmtree(target)
            shutil.copytree(generated, target)
        differences = _tree_differences(generated, target)
    if differences:
        session.error(f"client/ differs from the code's spec: {differences}; run `nox -s client -- --write`.")
    session.run("mypy", "--strict", "client/people_api_client")


def _tree_differences(left: Path, right: Path) -> list[str]:
    """Relative paths that are missing on one side or differ in content."""
    found: list[str] = []

    def walk(cmp: filecmp.dircmp[str], prefix: str) -> None:
        found.extend(prefix + name for name in cmp.left_only + cmp.right_only + cmp.funny_files)
        _, mismatch, errors = filecmp.cmpfiles(cmp.left, cmp.right, cmp.common_files, shallow=False)
        found.extend(prefix + name for name in mismatch + errors)
        for name, sub in cmp.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    walk(filecmp.dircmp(left, right, ignore=["__pycache__", ".mypy_cache", ".ruff_cache"]), "")
    return found


@nox.session(tags=["contract"])
@nox.parametrize("db", ["sqlite", "postgres"], ids=["sqlite", "postgres"])
def contract(session: nox.Session, db: str) -> None:
    """Schemathesis (every check, every phase), client round trips and races, in process and
    against real `people-api serve` processes, on one database engine."""
    sync(session, "contract")
    session.run("pytest", "contract-tests", *session.posargs, env={"PEOPLE_API_TEST_DB": db})


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """wrk against the served API and a raw-WSGI ceiling in the same run; writes bench/report.md."""
    if shutil.which("wrk") is None:
        # wrk comes from Debian; this project's machines install packages as root.
        session.run("apt-get", "install", "-y", "--no-install-recommends", "wrk", external=True)
    sync(session)
    session.run("python", "bench/run.py", *session.posargs)


@nox.session(default=False)
def serve(session: nox.Session) -> None:
    """Serve the API on the embedded default (127.0.0.1:5001); posargs go to `people-api serve`."""
    sync(session)
    session.run("people-api", "serve", *session.posargs)


if __name__ == "__main__":
    nox.main()
