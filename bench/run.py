"""Load benchmark: wrk against `people-api serve` and a raw-WSGI ceiling served by granian in the
same run, over a prefilled database. Writes bench/report.md and bench/report.json; targets are
shares of the ceiling.

Usage (through nox): nox -s bench -- [--users 10000] [--duration 10] [--connections 32] [--db postgres]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from people_api import db
from people_api.config import Settings

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
CEILING = "ceiling (raw WSGI)"
# Throughput floors as a share of the ceiling measured in the same run (absolute req/s on shared
# 2-core machines are noise): issue 12's targets.
TARGETS = {
    "get_user": 0.09,
    "list_users?limit=20": 0.08,
    "list_users?name=": 0.08,
    "create_user": 0.05,
}
CREATE_P99_MS = 50.0
# A create with an Idempotency-Key keeps at least this share of plain create's throughput.
IDEMPOTENT_SHARE_OF_CREATE = 0.80
REPORT = HERE / "report.md"
# PostgreSQL's run writes report-postgres.md and .json beside SQLite's, which it leaves alone.
REPORT_JSON = HERE / "report.json"
# report.md keeps, below this line, measurements written by hand; a run rewrites only what is above.
KEPT = "<!-- Written by hand from here on: `nox -s bench` rewrites only what is above this line. -->"
POSTGRES_ADMIN_URL = os.environ.get(
    "PEOPLE_API_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@dataclass
class Result:
    rps: float
    p99_ms: float
    socket_errors: int
    non_2xx: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(port)


def prefill(url: str, count: int) -> list[str]:
    """Insert `count` users straight through Core in big batches; return up to 20 000 of their ids,
    in no particular order, for the requests that name a user."""
    engine = db.create_engine(Settings(database_url=url))
    db.upgrade(engine)
    now = datetime.now(UTC)
    batch = 10_000
    with engine.begin() as conn:
        for start in range(0, count, batch):
            rows = [
                {
                    "id": uuid.uuid4(),
                    "name": f"User {n}",
                    "email": f"user{n}@example.com",
                    "email_key": f"user{n}@example.com",
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(start, min(start + batch, count))
            ]
            conn.execute(db.users.insert(), rows)
        ids = conn.execute(sa.select(db.users.c.id).limit(20_000).offset(count // 4)).scalars().all()
    engine.dispose()
    return [str(some_id) for some_id in ids]


def wrk(url: str, duration: int, connections: int, script: str | None = None, *args: str) -> Result:
    """Throughput, p99 latency and failures of one wrk run."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency"]
    if script:
        command += ["-s", str(HERE / script)]
    command.append(url)
    if args:
        command += ["--", *args]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return Result(
        rps=rps,
        p99_ms=float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit],
        socket_errors=sum(int(n) for n in sockets.groups()) if sockets else 0,
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
    )


def serve(target: list[str], env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    # The API's JSON request log goes to /dev/null, as an operator would send it to a file or collector.
    process = subprocess.Popen(
        [*target, "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    wait(port)
    return process, port


def worker_rss_mb(pid: int) -> list[float]:
    """Resident memory of every process below `pid` (granian's workers), in MB."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], list(children.get(pid, []))
    while todo:
        child = todo.pop()
        todo += children.get(child, [])
        with contextlib.suppress(OSError):
            status = (Path("/proc") / str(child) / "status").read_text()
            rss = re.search(r"VmRSS:\s+(\d+) kB", status)
            if rss:
                found.append(int(rss.group(1)) / 1024)
    return sorted(found)


@contextlib.contextmanager
def database(kind: str, tmp: str) -> Iterator[str]:
    """A fresh, empty database of the chosen engine for one run."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp}/bench.db"
        return
    name = f"bench_{os.getpid()}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield sa.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    # Issue 12's targets and its FastAPI peer's figures are shares of a ceiling on one granian worker.
    parser.add_argument("--ceiling-workers", type=int, default=1)
    parser.add_argument(
        "--db", choices=["sqlite", "postgres"], default="sqlite", help="postgres: report only, no targets"
    )
    args = parser.parse_args()
    started = datetime.now(UTC)
    load_before = os.getloadavg()

    with tempfile.TemporaryDirectory() as tmp, database(args.db, tmp) as url:
        ids = prefill(url, args.users)
        ids_file = Path(tmp) / "ids.txt"
        ids_file.write_text("\n".join(ids) + "\n", encoding="utf-8")
        name = f"User {args.users // 2}"  # an existing name
        env = {**os.environ, "PEOPLE_API_DATABASE_URL": url}
        granian = [
            str(BIN / "granian"),
            "--interface",
            "wsgi",
            "--workers",
            str(args.ceiling_workers),
            "--blocking-threads",
            "1",
            "--no-ws",
        ]
        ceiling, ceiling_port = serve([*granian, "--working-dir", str(HERE), "ceiling:app"], env)
        api, port = serve([str(BIN / "people-api"), "serve", "--workers", str(args.workers)], env)
        base = f"http://127.0.0.1:{port}/people/v1/users"
        run = (args.duration, args.connections)
        try:
            results = {CEILING: wrk(f"http://127.0.0.1:{ceiling_port}/", *run)}
            results["get_user"] = wrk(f"{base}/{ids[0]}", *run)
            results["list_users?limit=20"] = wrk(f"{base}?limit=20", *run)
            results["list_users?name="] = wrk(f"{base}?name={name.replace(' ', '%20')}", *run)
            results["create_user"] = wrk(base, *run, "create.lua")
            results["create_user + Idempotency-Key"] = wrk(base, *run, "create_idempotent.lua")
            results["mixed (80 % read, 15 % create, 5 % PATCH)"] = wrk(
                base, *run, "bench-mixed.lua", str(ids_file), "2"
            )
            rss = worker_rss_mb(api.pid)
        finally:
            for process in (api, ceiling):
                process.terminate()
                process.wait(timeout=30)
        backend = sa.make_url(url).get_backend_name()
    load_after = os.getloadavg()

    checks = _checks(results, judged=args.db == "sqlite")
    command = (
        f"nox -s bench -- --users {args.users} --duration {args.duration} "
        f"--connections {args.connections} --workers {args.workers} "
        f"--ceiling-workers {args.ceiling_workers} --db {args.db}"
    )
    lines = [
        "# Benchmark report",
        "",
        f"`{command}` on {started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores: wrk -t2 on loopback, "
        f"one run of {args.duration} s per row; `people-api serve --workers {args.workers}` in its default "
        f"configuration (no API keys, rate limiting off, metrics on, JSON request log to /dev/null) "
        f"over `{backend}` prefilled with {args.users:,} users; the ceiling is a raw WSGI callable on "
        f"granian with {args.ceiling_workers} worker(s), as issue 12's targets assume. "
        f"Load average (1 min) {load_before[0]:.1f} before, {load_after[0]:.1f} after.",
        "",
        "| endpoint | req/s | p99 ms | share of ceiling | target | met | socket errors | non-2xx |",
        "|---|---:|---:|---:|---:|---|---:|---:|",
    ]
    top = results[CEILING].rps
    for name_, result in results.items():
        target, met = checks.get(name_, ("", ""))
        lines.append(
            f"| {name_} | {result.rps:,.0f} | {result.p99_ms:.2f} | {result.rps / top:.1%} | {target} "
            f"| {met} | {result.socket_errors} | {result.non_2xx} |"
        )
    lines += ["", f"RSS per worker after the run: {', '.join(f'{mb:.0f} MB' for mb in rss)}."]
    report = "\n".join(lines) + "\n"
    print(report)
    failed = [name_ for name_, (_, met) in checks.items() if met == "NO"]
    errors = [name_ for name_, result in results.items() if result.socket_errors or result.non_2xx]
    if args.db == "sqlite":
        REPORT.write_text(report + _kept_notes(), encoding="utf-8")
        report_json = REPORT_JSON
    else:
        (HERE / f"report-{args.db}.md").write_text(report, encoding="utf-8")
        report_json = HERE / f"report-{args.db}.json"
    report_json.write_text(
        json.dumps(
            {
                "command": command,
                "started": started.isoformat(),
                "cores": os.cpu_count(),
                "load_average_1min": [load_before[0], load_after[0]],
                "database": backend,
                "users": args.users,
                "results": {name_: asdict(result) for name_, result in results.items()},
                "rss_mb_per_worker": rss,
                "targets_failed": failed,
                "runs_with_errors": errors,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    return 1 if failed or errors else 0


def _checks(results: dict[str, Result], judged: bool) -> dict[str, tuple[str, str]]:
    """Each judged row's (target, "yes"/"NO"); PostgreSQL's figures are reported, not judged."""
    if not judged:
        return {}
    top = results[CEILING].rps
    checks = {}
    for name, share in TARGETS.items():
        met = results[name].rps / top >= share
        wanted = f"{share:.0%}"
        if name == "create_user":
            met = met and results[name].p99_ms <= CREATE_P99_MS
            wanted += f", p99 ≤ {CREATE_P99_MS:.0f} ms"
        checks[name] = (wanted, "yes" if met else "NO")
    idem = "create_user + Idempotency-Key"
    ratio = results[idem].rps / results["create_user"].rps
    checks[idem] = (
        f"{IDEMPOTENT_SHARE_OF_CREATE:.0%} of create (is {ratio:.0%})",
        "yes" if ratio >= IDEMPOTENT_SHARE_OF_CREATE else "NO",
    )
    return checks


def _kept_notes() -> str:
    """The hand-written part of report.md, marker included, so a new run does not erase it."""
    previous = REPORT.read_text(encoding="utf-8") if REPORT.is_file() else ""
    _, marker, notes = previous.partition(KEPT)
    return "\n" + marker + notes if marker else ""


if __name__ == "__main__":
    sys.exit(main())
