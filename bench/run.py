"""Load benchmark: wrk against `people-api serve` over a fresh database of each user count (10 k,
100 k and 1 M by default), beside a raw-WSGI ceiling served by granian and measured before the first
count and after each. Writes bench/report.md, .json and .png (report-postgres.* for --db postgres);
fails on a missed target of issue 12 or on any error.

Usage (through nox): nox -s bench -- [--users 10000,100000,1000000] [--duration 8] [--rounds 3]
    [--db postgres]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import judging
import prefill
import reporting
import servers
from results import Run, Sweep
from wrk import Result, median, wrk

HERE = Path(__file__).resolve().parent


def main() -> int:
    args = _arguments()
    began = time.monotonic()
    load_before = os.getloadavg()
    run = Run(
        command=(
            f"nox -s bench -- --users {','.join(str(n) for n in args.users)} --duration {args.duration} "
            f"--rounds {args.rounds} "
            f"--connections {args.connections} --workers {args.workers} "
            + (f"--threads {args.threads} " if args.threads else "")
            + f"--ceiling-workers {args.ceiling_workers} --db {args.db}"
        ),
        database="sqlite" if args.db == "sqlite" else "postgresql",
        started=f"{datetime.now(UTC):%Y-%m-%d %H:%M}",
        cores=os.cpu_count() or 0,
        rounds=args.rounds,
    )
    load = (args.duration, args.connections)
    # One ceiling process for the whole run, idle while the API is measured.
    with (
        tempfile.TemporaryDirectory() as tmp,
        servers.serving(servers.ceiling(args.ceiling_workers), dict(os.environ)) as (_, ceiling_port),
    ):
        ceiling = f"http://127.0.0.1:{ceiling_port}/"
        wrk(ceiling, 1, args.connections)  # warm-up, unreported
        run.ceilings.append((f"before {args.users[0]:,} users", wrk(ceiling, *load)))
        for users in args.users:
            run.sweeps.append(_sweep(args, users, Path(tmp)))
            run.ceilings.append((f"after {users:,} users", wrk(ceiling, *load)))
            print(f"{users:,} users done after {time.monotonic() - began:.0f} s", flush=True)
    run.seconds = time.monotonic() - began
    run.load_average_1min = (load_before[0], os.getloadavg()[0])
    stem = HERE / ("report" if args.db == "sqlite" else f"report-{args.db}")
    print(reporting.write(run, stem))
    return 1 if run.with_errors() or judging.failed(run) else 0


def _sweep(args: argparse.Namespace, users: int, tmp: Path) -> Sweep:
    """Every row against the API over a new database of `users` users."""
    with prefill.database(args.db, tmp, users) as url:
        started = time.monotonic()
        ids = prefill.prefill(url, users)
        sweep = Sweep(users=users, prefill_seconds=time.monotonic() - started)
        ids_file = tmp / "ids.txt"
        ids_file.write_text("\n".join(ids) + "\n", encoding="utf-8")
        env = {**os.environ, "PEOPLE_API_DATABASE_URL": url}
        with servers.serving(servers.api(args.workers, args.threads), env) as (pid, port):
            base = f"http://127.0.0.1:{port}/people/v1/users"
            load = (args.duration, args.connections)
            # Unreported: every worker past its first requests, its connections open and pages cached.
            wrk(base, 2, args.connections, "get.lua", str(ids_file))
            name = f"User {users // 2}".replace(" ", "%20")  # an existing name
            # Each round's mixed load patches users of its own share of the ids, still at version 1.
            share = len(ids) // args.rounds
            rows: dict[str, Callable[[int], Result]] = {
                "get_user": lambda _: wrk(base, *load, "get.lua", str(ids_file)),
                "list_users?limit=20": lambda _: wrk(f"{base}?limit=20", *load),
                "list_users?name=": lambda _: wrk(f"{base}?name={name}", *load),
                "create_user": lambda _: wrk(base, *load, "create.lua"),
                "create_user + Idempotency-Key": lambda _: wrk(base, *load, "create.lua", "keyed"),
                "mixed (80 % read, 15 % create, 5 % PATCH)": lambda round_: wrk(
                    base, *load, "bench-mixed.lua", str(ids_file), "2", str(round_ * share)
                ),
            }
            # Rounds interleaved, so that a burst from another tenant of the machine hits one run of
            # several rows rather than every run of one; each row reports its median.
            runs: dict[str, list[Result]] = {name: [] for name in rows}
            for round_ in range(args.rounds):
                for name, row in rows.items():
                    runs[name].append(row(round_))
            sweep.rows = {name: median(results) for name, results in runs.items()}
            sweep.rss_mb_per_worker = servers.worker_rss_mb(pid)
    return sweep


def _counts(text: str) -> list[int]:
    counts = sorted({int(part) for part in text.split(",") if part.strip()})
    if not counts or counts[0] < 1:
        raise argparse.ArgumentTypeError("a comma-separated list of positive user counts")
    return counts


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument(
        "--users",
        type=_counts,
        default=[10_000, 100_000, 1_000_000],
        help="user counts, comma-separated; targets are judged at the smallest, flatness to the largest",
    )
    parser.add_argument("--duration", type=int, default=8, help="seconds of wrk per row")
    parser.add_argument(
        "--rounds", type=int, default=3, help="runs of every row per user count; the median is reported"
    )
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, help="threads per worker [default: serve's own]")
    # Issue 12's targets and its FastAPI peer's figures are shares of a ceiling on one granian worker.
    parser.add_argument("--ceiling-workers", type=int, default=1)
    parser.add_argument(
        "--db", choices=["sqlite", "postgres"], default="sqlite", help="postgres: report only, no targets"
    )
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(main())
