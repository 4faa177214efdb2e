"""Every developer and CI entry point for people-api; `nox -l` lists them."""

from __future__ import annotations

import filecmp
import hashlib
import os
import shutil
import tempfile
import tomllib
from pathlib import Path

import nox

nox.needs_version = ">=2026.10.20"
nox.options.default_venv_backend = "uv"
# Keep session venvs between local runs (mypy's cache is slow to build); CI starts clean anyway.
nox.options.reuse_venv = "yes"
nox.options.error_on_external_run = True
nox.options.sessions = ["lint", "typecheck", "tests", "spec", "client", "contract", "browser"]

ROOT = Path(__file__).parent
SPEC_LINT = ROOT / "spec" / "lint"
CI = os.environ.get("CI") == "true"
CHROMIUM = Path("/usr/bin/chromium")


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
    (the last released contract) and passes Spectral's OWASP API Security ruleset and Redocly's
    recommended ruleset with no error; `-- --write` updates spec/ but never spec/released/."""
    sync(session, "codegen")
    if "--write" in session.posargs:
        session.run("people-api", "spec", "write", "spec")
    session.run("people-api", "spec", "check", "spec")
    session.run("openapi-spec-validator", "spec/openapi.json", "spec/openapi.yaml")
    session.run("people-api", "spec", "compat")
    linters = _spec_linters(session)
    ruleset = SPEC_LINT / "ruleset.yaml"
    session.run(
        str(linters / "spectral"), "lint", "--ruleset", str(ruleset), "--fail-severity", "error",
        "spec/openapi.json",
        external=True,
    )  # fmt: skip
    # Telemetry and the update check off: a lint run sends nothing anywhere.
    quiet = {"REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"}
    session.run(
        str(linters / "redocly"), "lint", "--config", str(SPEC_LINT / "redocly.yaml"), "spec/openapi.json",
        external=True, env=quiet,
    )  # fmt: skip


def _spec_linters(session: nox.Session) -> Path:
    """The folder of the spectral and redocly commands, installed by `npm ci` exactly as
    spec/lint/package-lock.json pins them."""
    installed = SPEC_LINT / "node_modules" / ".people-api-lock.sha256"
    wanted = hashlib.sha256((SPEC_LINT / "package-lock.json").read_bytes()).hexdigest()
    if not installed.is_file() or installed.read_text() != wanted:
        # --ignore-scripts: no package's install script runs (one would only send telemetry).
        session.run(
            "npm", "ci", "--prefix", str(SPEC_LINT), "--ignore-scripts", "--no-audit", "--no-fund",
            external=True,
        )  # fmt: skip
        installed.write_text(wanted)
    return SPEC_LINT / "node_modules" / ".bin"


@nox.session(tags=["contract"])
def client(session: nox.Session) -> None:
    """Regenerate the client, with the templates in client/templates, from the spec the code
    describes and fail on any difference from client/; `-- --write` updates it. Then type-check it,
    build its wheel and sdist into dist/ and import the wheel from a fresh venv. (Generating from the
    code, not from spec/, means an edited schema fails this session too, even before anyone
    regenerates spec/.)"""
    sync(session, "codegen")
    target = ROOT / "client"
    with tempfile.TemporaryDirectory() as tmp:
        generated = Path(tmp) / "client"
        session.run("people-api", "spec", "write", tmp, silent=True)
        session.run(
            "openapi-python-client", "generate",
            "--path", f"{tmp}/openapi.json",
            "--config", "client/config.yaml",
            "--custom-template-path", "client/templates",
            "--output-path", str(generated),
            "--meta", "uv",
            "--fail-on-warning",
        )  # fmt: skip
        # The generator's inputs live beside its output, so a wholesale --write keeps them.
        shutil.copy(target / "config.yaml", generated / "config.yaml")
        shutil.copytree(target / "templates", generated / "templates")
        if "--write" in session.posargs:
            shutil.rmtree(target)
            shutil.copytree(generated, target)
        differences = _tree_differences(generated, target)
    if differences:
        session.error(f"client/ differs from the code's spec: {differences}; run `nox -s client -- --write`.")
    session.run("mypy", "--strict", "client/people_api_client")
    _build_and_try_client(session)


# Run from outside the checkout, so only the installed package can answer the import.
_INSTALLED_CLIENT_CHECK = """
import importlib.metadata, sys
import people_api_client
from people_api_client import Client, ProblemError, Retries
from people_api_client.api.users import create_user, list_users
assert people_api_client.__file__.startswith(sys.prefix), people_api_client.__file__
assert importlib.metadata.version("people-api-client") == sys.argv[1]
"""


def _build_and_try_client(session: nox.Session) -> None:
    """Build the client's wheel and sdist into dist/, install the wheel into a fresh venv and import it
    there; its version must be the API's."""
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    dist = ROOT / "dist"
    session.run("uv", "build", "--quiet", "client", "--out-dir", str(dist))
    wheel = dist / f"people_api_client-{version}-py3-none-any.whl"
    with tempfile.TemporaryDirectory() as tmp:
        python = Path(tmp) / "venv" / "bin" / "python"
        session.run("uv", "venv", "--quiet", str(python.parents[1]))
        session.run("uv", "pip", "install", "--quiet", "--python", str(python), str(wheel))
        with session.chdir(tmp):
            session.run(str(python), "-c", _INSTALLED_CLIENT_CHECK, version, external=True)
    session.log(f"built and installed {wheel.name} and its sdist in {dist}")


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
    # Given paths run alone; the browser suite has a session of its own.
    tests = session.posargs or ["contract-tests", "--ignore=contract-tests/browser"]
    session.run("pytest", *tests, env={"PEOPLE_API_TEST_DB": db})


@nox.session(tags=["contract"])
def browser(session: nox.Session) -> None:
    """Swagger UI (/docs), ReDoc (/redoc) and spec/reference.html in headless Chromium with every
    outside host blocked, against a real `people-api serve`; screenshots go to reports/screenshots/."""
    if not CHROMIUM.exists():
        # Debian's chromium, installed as root like wrk for bench. A fresh machine's package lists
        # may be missing or name versions the mirror no longer has, so refresh them first.
        session.run("apt-get", "update", "-q", external=True)
        session.run(
            "apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium",
            external=True, env={"DEBIAN_FRONTEND": "noninteractive"},
        )  # fmt: skip
    sync(session, "browser")
    session.run("pytest", "contract-tests/browser", *session.posargs)


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """wrk against the served API over 10 k, 100 k and 1 M users and a raw-WSGI ceiling in the same
    run; writes bench/report.md, .json and .png (`-- --help` for the options)."""
    _install_wrk(session)
    sync(session, "bench")
    session.run("python", "bench/run.py", *session.posargs)


@nox.session(default=False)
def soak(session: nox.Session) -> None:
    """Schemathesis with 500 examples per operation, then 10 minutes of mixed wrk load, against one
    keyed `people-api serve --workers 2` whose RSS is sampled; writes bench/soak-report.md and fails
    on any Schemathesis failure, 5xx, socket error or growing worker (`-- --db postgres` for PostgreSQL)."""
    _install_wrk(session)
    sync(session, "contract")
    session.run("python", "bench/soak.py", *session.posargs)


def _install_wrk(session: nox.Session) -> None:
    if shutil.which("wrk") is None:
        # wrk comes from Debian; this project's machines install packages as root.
        session.run("apt-get", "install", "-y", "--no-install-recommends", "wrk", external=True)


@nox.session(default=False)
def serve(session: nox.Session) -> None:
    """Serve the API on the embedded default (127.0.0.1:5001); posargs go to `people-api serve`."""
    sync(session)
    session.run("people-api", "serve", *session.posargs)


if __name__ == "__main__":
    nox.main()
