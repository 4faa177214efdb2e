"""Every developer and CI entry point for people-api; `nox -l` lists them."""

from __future__ import annotations

import difflib
import filecmp
import hashlib
import os
import shutil
import sys
import tarfile
import tempfile
import tomllib
import zipfile
from pathlib import Path

import nox

nox.needs_version = ">=2026.10.20"
nox.options.default_venv_backend = "uv"
# Keep session venvs between local runs (mypy's cache is slow to build); CI starts clean anyway.
nox.options.reuse_venv = "yes"
nox.options.error_on_external_run = True
nox.options.sessions = [
    "lint", "typecheck", "tests", "spec", "client", "contract", "docs", "browser", "released-clients",
]  # fmt: skip

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
    """mypy --strict over the server, its tests, the contract tests, this file, bootstrap.py and the
    docs hooks."""
    sync(session, "typing", "docs")
    paths = ["api/people_api", "api/tests", "contract-tests", "noxfile.py", "bootstrap.py", "docs/hooks.py"]
    session.run("mypy", *paths, *session.posargs)


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
    """Check spec/ is exactly what the code generates, is valid, breaks nothing in the newest
    spec/released/<version>/ (the last released contract) and passes Spectral's OWASP API Security
    ruleset with no error; `-- --write` updates spec/ but never spec/released/."""
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
    """Regenerate the client, with the templates in client/templates and the runtime modules in
    client/runtime, from the spec the code describes and fail on any difference from client/;
    `-- --write` updates it. Print how each template differs from openapi-python-client's own at the
    version client/templates/UPSTREAM_VERSION names (failing if another is installed). Then type-check
    the package, build its wheel and sdist into dist/ and import the wheel from a fresh venv.
    (Generating from the code, not from spec/, means an edited schema fails this session too, even
    before anyone regenerates spec/.)"""
    sync(session, "codegen")
    target = ROOT / "client"
    _show_template_forks(session, target / "templates")
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
            env={"PEOPLE_API_ROOT": str(ROOT)},
        )  # fmt: skip
        # The generator's inputs live beside its output, so a wholesale --write keeps them.
        for source in ("templates", "runtime"):
            shutil.copytree(target / source, generated / source)
        shutil.copy(target / "config.yaml", generated / "config.yaml")
        if "--write" in session.posargs:
            shutil.rmtree(target)
            shutil.copytree(generated, target)
        differences = _tree_differences(generated, target)
    if differences:
        session.error(f"client/ differs from the code's spec: {differences}; run `nox -s client -- --write`.")
    session.run("mypy", "--strict", "client/people_api_client")
    _build_and_try_client(session)


_UPSTREAM_TEMPLATES = """
import importlib.metadata, pathlib, openapi_python_client
print(importlib.metadata.version("openapi-python-client"))
print(pathlib.Path(openapi_python_client.__file__).parent / "templates")
"""


def _show_template_forks(session: nox.Session, templates: Path) -> None:
    """Print the diff from upstream's template to ours for each template we override, so that an
    upgrade of openapi-python-client is a readable diff; fail if the installed generator is not the
    version the templates derive from."""
    answer = session.run("python", "-c", _UPSTREAM_TEMPLATES, silent=True)
    installed, upstream = str(answer).split()
    pinned = (templates / "UPSTREAM_VERSION").read_text(encoding="utf-8").strip()
    for ours in sorted(templates.glob("*.jinja")):
        theirs = Path(upstream) / ours.name
        if not theirs.is_file():
            session.log(f"client/templates/{ours.name}: ours alone, no upstream template of that name")
            continue
        diff = difflib.unified_diff(
            theirs.read_text(encoding="utf-8").splitlines(keepends=True),
            ours.read_text(encoding="utf-8").splitlines(keepends=True),
            f"openapi-python-client {installed}: templates/{ours.name}",
            f"client/templates/{ours.name}",
        )
        session.log(f"client/templates/{ours.name}: forked from upstream's\n{''.join(diff)}")
    if installed != pinned:
        session.error(
            f"client/templates derive from openapi-python-client {pinned}, but {installed} is installed: "
            "review the diffs above, port the changes, then update client/templates/UPSTREAM_VERSION."
        )


# Run from outside the checkout, so only the installed package can answer the import.
_INSTALLED_CLIENT_CHECK = """
import importlib.metadata, sys
import people_api_client
from people_api_client import Client, PeopleApiError, ProblemError, Retries
from people_api_client.api.users import create_user, list_users
assert people_api_client.__file__.startswith(sys.prefix), people_api_client.__file__
assert importlib.metadata.version("people-api-client") == people_api_client.__version__ == sys.argv[1]
metadata = importlib.metadata.metadata("people-api-client")
assert metadata["License-Expression"] == "MIT", metadata["License-Expression"]
assert any(url.startswith("Repository, https://") for url in metadata.get_all("Project-URL")), metadata
licence = [f for f in importlib.metadata.files("people-api-client") if f.name == "LICENSE"]
assert licence and "MIT License" in licence[0].read_text(), "no LICENSE in the wheel"
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
    # Given paths run alone; the browser, docs and released-client suites have sessions of their own.
    ignored = [f"--ignore=contract-tests/{suite}" for suite in ("browser", "docs", "released_clients")]
    tests = session.posargs or ["contract-tests", *ignored]
    session.run("pytest", *tests, env={"PEOPLE_API_TEST_DB": db})


@nox.session(tags=["docs"])
def docs(session: nox.Session) -> None:
    """Build the docs site into site/ with --strict (a broken link, a missing page or an unresolved
    reference fails it), then run every code block of its pages and the README against real servers
    and bootstrap.py with Debian's Python (contract-tests/docs/)."""
    sync(session, "docs")
    # Material's banner about its end of life (docs/explanation/design.md says what follows) is not news.
    session.run("mkdocs", "build", "--strict", "--quiet", env={"NO_MKDOCS_2_WARNING": "1"})
    session.run("pytest", "contract-tests/docs", *session.posargs)


@nox.session(tags=["contract"])
def browser(session: nox.Session) -> None:
    """Swagger UI (/docs), ReDoc (/redoc), spec/reference.html and the docs site (site/) in headless
    Chromium with every outside host blocked, against a real `people-api serve`; screenshots go to
    reports/screenshots/."""
    if not CHROMIUM.exists():
        # Debian's chromium, installed as root like wrk for bench. A fresh machine's package lists
        # may be missing or name versions the mirror no longer has, so refresh them first.
        session.run("apt-get", "update", "-q", external=True)
        session.run(
            "apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium",
            external=True, env={"DEBIAN_FRONTEND": "noninteractive"},
        )  # fmt: skip
    sync(session, "browser", "docs")
    # The docs site's pages are opened too; `docs` checks the build strictly, this only needs the pages.
    session.run("mkdocs", "build", "--quiet", env={"NO_MKDOCS_2_WARNING": "1"})
    session.run("pytest", "contract-tests/browser", *session.posargs)


@nox.session(name="released-clients", tags=["contract"])
def released_clients(session: nox.Session) -> None:
    """Generate a client from every spec in spec/released/ with the committed templates, install each
    into a venv of its own with nothing else but pytest, and run contract-tests/released_clients/ with
    it against today's `people-api serve`: a server change that breaks a released client fails here,
    even one the spec comparison cannot see. `-- 1.0.0` tests only that release."""
    sync(session, "codegen")
    env = {"UV_PROJECT_ENVIRONMENT": session.virtualenv.location, "VIRTUAL_ENV": session.virtualenv.location}
    released = sorted(
        (tuple(map(int, folder.name.split("."))), folder)
        for folder in (ROOT / "spec" / "released").iterdir()
        if (folder / "openapi.json").is_file() and (not session.posargs or folder.name in session.posargs)
    )
    if not released:
        session.error(f"no released spec matches {session.posargs}")
    suite = ROOT / "contract-tests" / "released_clients"
    people_api = str(Path(session.bin) / "people-api")
    with tempfile.TemporaryDirectory(prefix="people-api-released-") as tmp:
        # The versions uv.lock pins for the client's dependencies and pytest, so each venv is reproducible.
        constraints = Path(tmp) / "constraints.txt"
        session.run(
            "uv", "export", "--frozen", "--quiet", "--no-hashes", "--only-group=contract",
            "--no-emit-project", "--no-emit-package=people-api-client", "--output-file", str(constraints),
            env=env,
        )  # fmt: skip
        for _, folder in released:
            version = folder.name
            client = Path(tmp) / version / "client"
            _generate_client(session, folder / "openapi.json", ROOT / "client", client, env)
            python = Path(tmp) / version / "venv" / "bin" / "python"
            session.run("uv", "venv", "--quiet", str(python.parents[1]))
            session.run(
                "uv", "pip", "install", "--quiet", "--python", str(python), "-c", str(constraints),
                str(client), "pytest",
            )  # fmt: skip
            session.log(f"the client of {version} against today's server")
            with session.chdir(tmp):  # only the installed client can answer `import people_api_client`
                session.run(
                    str(python), "-m", "pytest", str(suite), "-p", "no:cacheprovider",
                    f"--confcutdir={suite}", f"--rootdir={suite}", "-c", str(suite / "pytest.ini"),
                    f"--people-api={people_api}",
                    external=True,
                )  # fmt: skip


@nox.session(default=False)
def release(session: nox.Session) -> None:
    """Release VERSION (`nox -s release -- 1.1.0`): refuse a spec break without a major version, bump
    the API's and the client's versions, regenerate spec/ and client/, write the CHANGELOG.md entry,
    archive the spec in spec/released/VERSION/, build both wheels and sdists into dist/ (and the docs
    when a docs session exists), and print the tag to make. `-- 1.1.0 --dry-run` does all of it in a
    temporary copy of this checkout and changes nothing here."""
    dry_run = "--dry-run" in session.posargs
    versions = [arg for arg in session.posargs if arg != "--dry-run"]
    if len(versions) != 1:
        session.error("usage: nox -s release -- VERSION [--dry-run]")
    version = versions[0]
    if not dry_run:
        if _git(session, "status", "--porcelain"):
            session.error("release from a clean checkout: commit or stash first (or add --dry-run)")
        _release(session, ROOT, Path(session.virtualenv.location), version)
        session.log(
            f"released {version}: review, then commit and tag it:\n"
            f"  git add -A && git commit -m 'Release {version}'\n"
            f"  git tag -a v{version} -m 'people-api {version}'\n"
            f"  git push origin HEAD v{version}"
        )
        return
    with tempfile.TemporaryDirectory(prefix="people-api-release-") as tmp:
        copy = Path(tmp) / "checkout"
        for name in _git(session, "ls-files", "--cached", "--others", "--exclude-standard").splitlines():
            if (ROOT / name).is_file():
                (copy / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / name, copy / name)
        entry = _release(session, copy, Path(tmp) / "venv", version)
        changed = [
            name
            for name in _git(session, "ls-files", "--cached").splitlines()
            if (ROOT / name).is_file()
            and not ((copy / name).is_file() and filecmp.cmp(ROOT / name, copy / name, shallow=False))
        ]
        added = sorted(
            str(path.relative_to(copy))
            for folder in (copy / "spec" / "released", copy / "client")
            for path in folder.rglob("*")
            if path.is_file() and not (ROOT / path.relative_to(copy)).exists()
        )
        built = sorted(path.name for path in (copy / "dist").glob("people_api*"))
        session.log(f"dry run: nothing here changed. The release would change {', '.join(changed)}")
        session.log(f"add {', '.join(added)}; build {', '.join(built)}; tag v{version}")
        session.log(f"and write this CHANGELOG.md entry:\n\n{entry}")


def _git(session: nox.Session, *args: str) -> str:
    output = session.run("git", "-C", str(ROOT), *args, external=True, silent=True)
    return str(output).strip()


def _release(session: nox.Session, root: Path, venv: Path, version: str) -> str:
    """Release `version` in the checkout at `root`, with the codegen tools in `venv`; the changelog entry."""
    env = {"UV_PROJECT_ENVIRONMENT": str(venv), "VIRTUAL_ENV": str(venv)}

    def people_api(*args: str, frozen: bool = False) -> str:
        lock = "--frozen" if frozen else "--locked"
        command = ["uv", "run", lock, "--no-default-groups", "--group=codegen", "people-api", *args]
        return str(session.run(*command, env=env, silent=True))

    with session.chdir(root):
        people_api("spec", "check", "spec")  # the spec released is the code's
        session.log(people_api("spec", "compat", "--next-version", version).strip())
        pyproject = root / "pyproject.toml"
        text = pyproject.read_text(encoding="utf-8")
        project = tomllib.loads(text)["project"]
        bumped = text.replace(f'\nversion = "{project["version"]}"\n', f'\nversion = "{version}"\n', 1)
        pyproject.write_text(bumped, encoding="utf-8")
        # The spec's info.version is the installed package's version: --frozen reinstalls it first.
        people_api("spec", "write", "spec", frozen=True)
        client_dir = root / "client"
        _generate_client(session, root / "spec" / "openapi.json", client_dir, client_dir, env)
        session.run("uv", "lock", "--quiet", env=env)  # both projects' new versions
        entry = people_api("spec", "release", version)
        dist = root / "dist"
        for project_dir in (root, root / "client"):
            session.run("uv", "build", "--quiet", str(project_dir), "--out-dir", str(dist), env=env)
        _check_licensed(session, dist, version)
        if "docs" in nox.registry.get():
            session.run(
                sys.executable, "-m", "nox", "-f", str(root / "noxfile.py"), "-s", "docs", external=True
            )
    return entry


def _generate_client(
    session: nox.Session, spec_file: Path, client_dir: Path, target: Path, env: dict[str, str]
) -> None:
    """openapi-python-client on `spec_file` with the config and templates in `client_dir`, into
    `target` (replaced when it is `client_dir`, keeping its config, templates and runtime); the
    generator's hooks copy in the runtime and the LICENSE."""
    replace = target == client_dir
    with tempfile.TemporaryDirectory() as tmp:
        generated = Path(tmp) / "client"
        session.run(
            "uv", "run", "--frozen", "--no-default-groups", "--group=codegen",
            "openapi-python-client", "generate",
            "--path", str(spec_file),
            "--config", str(client_dir / "config.yaml"),
            "--custom-template-path", str(client_dir / "templates"),
            "--output-path", str(generated),
            "--meta", "uv",
            "--fail-on-warning",
            env={**env, "PEOPLE_API_ROOT": str(ROOT)}, silent=True,
        )  # fmt: skip
        if replace:
            shutil.copy(target / "config.yaml", generated / "config.yaml")
            for source in ("templates", "runtime"):
                shutil.copytree(target / source, generated / source)
            shutil.rmtree(target)
        # The post-generation hooks' ruff leaves its cache in the output.
        shutil.copytree(generated, target, ignore=shutil.ignore_patterns(".ruff_cache"))


def _check_licensed(session: nox.Session, dist: Path, version: str) -> None:
    """Both projects' wheels and sdists exist for `version` and each carries the LICENSE."""
    for name in ("people_api", "people_api_client"):
        wheel = dist / f"{name}-{version}-py3-none-any.whl"
        sdist = dist / f"{name}-{version}.tar.gz"
        with zipfile.ZipFile(wheel) as archive:
            in_wheel = f"{name}-{version}.dist-info/licenses/LICENSE" in archive.namelist()
        with tarfile.open(sdist) as archive:
            in_sdist = f"{name}-{version}/LICENSE" in archive.getnames()
        if not (in_wheel and in_sdist):
            session.error(f"LICENSE missing from {wheel.name if not in_wheel else sdist.name}")
        session.log(f"built {wheel.name} and {sdist.name}, LICENSE in both")


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
