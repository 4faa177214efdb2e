"""Soak: Schemathesis (every check, many examples per operation, with an API key), then minutes of
mixed wrk load (bench/mixed.lua), against one real `people-api serve --workers 2`, while the RSS of
every process of the server is sampled from /proc. Writes bench/soak-report.md; exits 1 when a
criterion fails:

- Schemathesis finds nothing (exit status 0);
- wrk gets no 5xx and no socket error (connect, read, write or timeout);
- RSS is flat: for every worker, the median of the last minute's samples is within RSS_GROWTH of
  the median of the minute after the first minute of load (the warm-up), and no worker is replaced.

Usage (through nox): nox -s soak -- [--db postgres] [--duration 600] [--examples 500]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import sqlalchemy as sa

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
REPORT = HERE / "soak-report.md"
SCHEMATHESIS_CONFIG = ROOT / "contract-tests" / "schemathesis.toml"
SPEC = ROOT / "spec" / "openapi.json"
POSTGRES_ADMIN_URL = os.environ.get(
    "PEOPLE_API_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SEED = "20261129"
SEED_USERS = 50
WARM_UP = 60.0  # seconds of load before the RSS baseline minute starts
WINDOW = 60.0  # seconds in the baseline and in the final RSS window
RSS_GROWTH = 0.10


@dataclass
class Samples:
    """RSS in KiB of each process of the server over time, taken every `interval` seconds."""

    interval: float
    # pid -> [(seconds since start, KiB)]
    rss: dict[int, list[tuple[float, int]]] = field(default_factory=dict)
    roles: dict[int, str] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found.extend(int(child) for child in (task / "children").read_text().split())
    return found


def _rss_kib(pid: int) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) if match else None


@contextlib.contextmanager
def sampling(main_pid: int, interval: float) -> Iterator[Samples]:
    """Sample the server's main process and its workers in a thread until the block ends."""
    samples = Samples(interval)
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            now = time.monotonic() - samples.started
            pids = {main_pid: "main", **dict.fromkeys(_children(main_pid), "worker")}
            for pid, role in pids.items():
                kib = _rss_kib(pid)
                if kib is not None:
                    samples.roles[pid] = role
                    samples.rss.setdefault(pid, []).append((now, kib))
            stop.wait(interval)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield samples
    finally:
        stop.set()
        thread.join()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def database(engine: str, directory: Path) -> Iterator[str]:
    """A fresh, migrated database on `engine`; a PostgreSQL one is dropped afterwards."""
    if engine == "sqlite":
        url = f"sqlite:///{directory / 'soak.db'}"
        _people_api(url, "db", "upgrade")
        yield url
        return
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    name = f"people_soak_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        url = sa.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        _people_api(url, "db", "upgrade")
        yield url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.dispose()


def _people_api(url: str, *args: str) -> str:
    env = {**os.environ, "PEOPLE_API_DATABASE_URL": url}
    done = subprocess.run(
        [str(BIN / "people-api"), *args], env=env, check=True, capture_output=True, text=True
    )
    return done.stdout


@contextlib.contextmanager
def serving(url: str, workers: int, log: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`people-api serve --workers N` on a free port, its JSON log lines going to `log`."""
    port = free_port()
    env = {**os.environ, "PEOPLE_API_DATABASE_URL": url}
    command = [str(BIN / "people-api"), "serve", "--port", str(port), "--workers", str(workers)]
    with log.open("wb") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=output)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while not _ready(base):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"`people-api serve` did not come up; see {log}")
                time.sleep(0.2)
            yield process, base
        finally:
            process.terminate()
            process.wait(timeout=60)


def _ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@dataclass
class Schemathesis:
    returncode: int
    summary: str
    seconds: float


def schemathesis(base: str, token: str, examples: int, report_dir: Path) -> Schemathesis:
    """`st run` with the contract suite's config, every check, `examples` per operation and phase."""
    command = [
        str(BIN / "st"),
        "--config-file", str(SCHEMATHESIS_CONFIG),
        "run", str(SPEC),
        "--url", base,
        "--checks", "all",
        "--max-examples", str(examples),
        "--seed", SEED,
        "--report", "junit",
        "--report-dir", str(report_dir),
    ]  # fmt: skip
    env = {**os.environ, "PEOPLE_API_CONTRACT_TOKEN": token}
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    seconds = time.monotonic() - started
    (report_dir / "st.log").write_text(done.stdout + done.stderr, encoding="utf-8")
    # Everything from Schemathesis' SUMMARY banner on; the whole output if it has none.
    _, banner, rest = done.stdout.partition(" SUMMARY ")
    summary = (banner + rest) if banner else done.stdout[-6000:] + done.stderr[-2000:]
    return Schemathesis(done.returncode, summary.strip("= \n"), seconds)


def seed_users(base: str, token: str) -> list[str]:
    """Create the users the wrk threads start from (each at version 1, ETag "1")."""
    ids = []
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as client:
        for n in range(SEED_USERS):
            body = {"name": f"Soak seed {n}", "email": f"soak-seed-{n}-{uuid.uuid4().hex}@example.com"}
            response = client.post("/people/v1/users", json=body)
            response.raise_for_status()
            ids.append(response.json()["id"])
    return ids


@dataclass
class Wrk:
    requests_per_second: float
    figures: dict[str, float]
    socket_errors: dict[str, int]
    output: str


def wrk(base: str, token: str, ids: list[str], duration: int, connections: int) -> Wrk:
    env = {**os.environ, "SOAK_TOKEN": token, "SOAK_USER_IDS": ",".join(ids)}
    command = [
        "wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "10s",
        "-s", str(HERE / "mixed.lua"), base,
    ]  # fmt: skip
    out = subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout
    figures = {name: float(value) for name, value in re.findall(r"^soak (\S+) ([\d.]+)$", out, re.MULTILINE)}
    # wrk prints this line only when some socket error happened.
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    counts = [int(n) for n in errors.groups()] if errors else [0, 0, 0, 0]
    socket_errors = dict(zip(("connect", "read", "write", "timeout"), counts, strict=True))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    return Wrk(rps, figures, socket_errors, out)


@dataclass
class RssVerdict:
    pid: int
    role: str
    first: int  # KiB, first sample
    baseline: float  # KiB, median over the baseline minute
    final: float  # KiB, median over the last minute
    peak: int

    @property
    def growth(self) -> float:
        return self.final / self.baseline - 1

    @property
    def flat(self) -> bool:
        return self.growth <= RSS_GROWTH


def rss_verdicts(samples: Samples, load_start: float, load_end: float) -> list[RssVerdict]:
    verdicts = []
    for pid, series in samples.rss.items():
        baseline = [kib for t, kib in series if load_start + WARM_UP <= t < load_start + WARM_UP + WINDOW]
        final = [kib for t, kib in series if load_end - WINDOW <= t <= load_end]
        if not baseline or not final:
            continue
        verdicts.append(
            RssVerdict(
                pid,
                samples.roles[pid],
                series[0][1],
                statistics.median(baseline),
                statistics.median(final),
                max(kib for _, kib in series),
            )
        )
    return verdicts


def error_log_lines(log: Path) -> list[str]:
    """The server's log records at level error or above."""
    return [
        line
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines()
        if re.search(r'"level":\s*"(error|critical|exception)"', line)
    ]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--duration", type=int, default=600, help="seconds of wrk load")
    parser.add_argument("--examples", type=int, default=500, help="Schemathesis examples per operation")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--interval", type=float, default=10.0, help="seconds between RSS samples")
    args = parser.parse_args()
    if args.duration < WARM_UP + 2 * WINDOW:
        parser.error(f"--duration must be at least {WARM_UP + 2 * WINDOW:.0f} s to judge RSS")

    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp_name, database(args.db, Path(tmp_name)) as url:
        tmp = Path(tmp_name)
        token = _people_api(
            url, "keys", "create", "--name", "soak",
            "--scope", "users:read", "--scope", "users:write", "--scope", "metrics:read",
        ).strip()  # fmt: skip
        log = tmp / "server.log"
        with (
            serving(url, args.workers, log) as (server, base),
            sampling(server.pid, args.interval) as samples,
        ):
            print(f"soak: Schemathesis, {args.examples} examples per operation, against {base}", flush=True)
            st = schemathesis(base, token, args.examples, tmp)
            print(f"soak: Schemathesis exit {st.returncode} after {st.seconds:.0f} s", flush=True)
            ids = seed_users(base, token)
            print(f"soak: {args.duration} s of mixed wrk load", flush=True)
            load_start = time.monotonic() - samples.started
            load_result = wrk(base, token, ids, args.duration, args.connections)
            load_end = time.monotonic() - samples.started
            time.sleep(args.interval)  # one more sample after the load, to see where RSS settles
        errors = error_log_lines(log)
    verdicts = rss_verdicts(samples, load_start, load_end)
    failures = check(st, load_result, verdicts, samples)
    report = render(args, load, st, load_result, verdicts, samples, errors, failures)
    print(report)
    REPORT.write_text(report, encoding="utf-8")
    return 1 if failures else 0


def check(st: Schemathesis, load: Wrk, verdicts: list[RssVerdict], samples: Samples) -> list[str]:
    failures = []
    if st.returncode != 0:
        failures.append(f"Schemathesis exited {st.returncode}")
    server_errors = sum(v for k, v in load.figures.items() if re.fullmatch(r"status\.5\d\d", k))
    if server_errors:
        failures.append(f"wrk got {server_errors:.0f} 5xx responses")
    if any(load.socket_errors.values()):
        failures.append(f"wrk had socket errors {load.socket_errors}")
    workers = [pid for pid, role in samples.roles.items() if role == "worker"]
    if len(workers) != len([v for v in verdicts if v.role == "worker"]):
        failures.append(f"workers changed during the soak (pids seen: {sorted(workers)})")
    failures.extend(
        f"RSS of {v.role} {v.pid} grew {v.growth:.1%} (more than {RSS_GROWTH:.0%})"
        for v in verdicts
        if v.role == "worker" and not v.flat
    )
    return failures


def render(
    args: argparse.Namespace,
    load: tuple[float, float, float],
    st: Schemathesis,
    result: Wrk,
    verdicts: list[RssVerdict],
    samples: Samples,
    errors: list[str],
    failures: list[str],
) -> str:
    statuses = sorted(
        (k.removeprefix("status."), int(v)) for k, v in result.figures.items() if k.startswith("status.")
    )
    sent = {k.removeprefix("sent."): int(v) for k, v in result.figures.items() if k.startswith("sent.")}
    total = sum(count for _, count in statuses)
    lines = [
        "# Soak report",
        "",
        f"`nox -s soak -- --db {args.db} --duration {args.duration} --examples {args.examples} "
        f"--connections {args.connections} --workers {args.workers}`: one `people-api serve --workers "
        f"{args.workers}` over a fresh {args.db} database holding one API key (users:read, users:write, "
        f"metrics:read). Load average at the start: {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f} "
        f"({os.cpu_count()} CPUs, shared).",
        "",
        f"**Result: {'FAILED: ' + '; '.join(failures) if failures else 'every criterion met'}.**",
        "",
        "## Schemathesis",
        "",
        f"`st run --checks all --max-examples {args.examples}` with contract-tests/schemathesis.toml "
        f"(its [auth] sends the key), seed {SEED}: exit status {st.returncode}, {st.seconds:.0f} s.",
        "",
        "```",
        st.summary,
        "```",
        "",
        "## Mixed wrk load",
        "",
        f"wrk -t2 -c{args.connections} -d{args.duration}s --timeout 10s -s bench/mixed.lua "
        "(60 % GET a user, 20 % list 10, 15 % create, 5 % PATCH with If-Match from the last ETag seen; "
        "a 412 is a PATCH that lost a race or used an older ETag, which is expected).",
        "",
        f"- {result.requests_per_second:,.0f} req/s, {total:,} responses; "
        f"latency p50 {result.figures.get('latency_ms.p50', 0):.2f} ms, "
        f"p99 {result.figures.get('latency_ms.p99', 0):.2f} ms, "
        f"p99.9 {result.figures.get('latency_ms.p99.9', 0):.2f} ms",
        "- sent: " + ", ".join(f"{kind} {count:,}" for kind, count in sorted(sent.items())),
        "- statuses: " + ", ".join(f"{status}: {count:,}" for status, count in statuses),
        "- socket errors: " + ", ".join(f"{kind} {count}" for kind, count in result.socket_errors.items()),
        f"- server log records at level error or above: {len(errors)}",
        *(f"  - `{line[:300]}`" for line in errors[:5]),
        "",
        "## RSS",
        "",
        f"Sampled from /proc every {samples.interval:.0f} s. Criterion: for each worker the median of "
        f"the last {WINDOW:.0f} s of load is at most {RSS_GROWTH:.0%} above the median of the "
        f"{WINDOW:.0f} s after the first {WARM_UP:.0f} s of load (the warm-up), and no worker is replaced.",
        "",
        "| process | pid | first MiB | baseline median MiB | last minute median MiB | peak MiB "
        "| growth | flat |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
        *(
            f"| {v.role} | {v.pid} | {v.first / 1024:.1f} | {v.baseline / 1024:.1f} | {v.final / 1024:.1f} "
            f"| {v.peak / 1024:.1f} | {v.growth:+.1%} | {'yes' if v.flat else 'NO'} |"
            for v in sorted(verdicts, key=lambda v: (v.role != "main", v.pid))
        ),
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
