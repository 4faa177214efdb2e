"""Issue 12's targets, applied to a run: throughput shares at the smallest user count, flatness from
the smallest to the largest, memory per worker at every count. PostgreSQL runs are not judged."""

from __future__ import annotations

from dataclasses import dataclass

from results import Run

# Throughput floors as a share of the ceiling measured in the same run (absolute req/s on shared
# 2-core machines are noise).
TARGETS = {
    "get_user": 0.09,
    "list_users?limit=20": 0.08,
    "list_users?name=": 0.08,
    "create_user": 0.05,
}
CREATE_P99_MS = 50.0
IDEMPOTENT = "create_user + Idempotency-Key"
# A create with an Idempotency-Key keeps at least this share of plain create's throughput.
IDEMPOTENT_SHARE_OF_CREATE = 0.80
# Flat: no endpoint loses more than this share of its throughput from the smallest count to the largest.
# Only a loss fails; a gain at the larger count is the machine's noise, not a cost of size.
FLAT_LOSS = 0.15
RSS_MB_PER_WORKER = 80.0


@dataclass(frozen=True)
class Check:
    wanted: str
    measured: str
    met: bool


def targets(run: Run) -> dict[str, Check]:
    """Each target endpoint's check at the run's smallest user count, by endpoint."""
    if run.database != "sqlite":
        return {}
    rows = run.sweeps[0].rows
    checks = {}
    for name, floor in TARGETS.items():
        share = run.share(rows[name])
        wanted, met = f"≥ {floor:.0%}", share >= floor
        if name == "create_user":
            wanted += f", p99 ≤ {CREATE_P99_MS:.0f} ms"
            met = met and rows[name].p99_ms <= CREATE_P99_MS
        checks[name] = Check(wanted, f"{share:.1%}", met)
    ratio = rows[IDEMPOTENT].rps / rows["create_user"].rps
    checks[IDEMPOTENT] = Check(
        f"≥ {IDEMPOTENT_SHARE_OF_CREATE:.0%} of create",
        f"{ratio:.0%} of create",
        ratio >= IDEMPOTENT_SHARE_OF_CREATE,
    )
    return checks


def flatness(run: Run) -> dict[str, Check]:
    """Each endpoint's change in req/s from the smallest user count to the largest, by endpoint."""
    if run.database != "sqlite" or len(run.sweeps) < 2:
        return {}
    first, last = run.sweeps[0].rows, run.sweeps[-1].rows
    checks = {}
    for name, result in first.items():
        change = last[name].rps / result.rps - 1
        checks[name] = Check(f"≥ -{FLAT_LOSS:.0%}", f"{change:+.1%}", change >= -FLAT_LOSS)
    return checks


def memory(run: Run) -> dict[int, Check]:
    """The largest worker's RSS after each user count's rows, by user count."""
    if run.database != "sqlite":
        return {}
    checks = {}
    for sweep in run.sweeps:
        # No worker found counts as a failure, not as zero.
        largest = max(sweep.rss_mb_per_worker, default=float("inf"))
        wanted = f"≤ {RSS_MB_PER_WORKER:.0f} MB"
        checks[sweep.users] = Check(wanted, f"{largest:.0f} MB", largest <= RSS_MB_PER_WORKER)
    return checks


def failed(run: Run) -> list[str]:
    """Every check the run did not meet, in words."""
    smallest, largest = run.sweeps[0].users, run.sweeps[-1].users
    return (
        [f"{name} at {smallest:,} users" for name, c in targets(run).items() if not c.met]
        + [f"{name} flat to {largest:,} users" for name, c in flatness(run).items() if not c.met]
        + [f"RSS at {users:,} users" for users, c in memory(run).items() if not c.met]
    )
