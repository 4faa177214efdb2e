"""What one `nox -s bench` run measured, before anything is judged or written."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from wrk import Result

CEILING = "ceiling (raw WSGI)"


@dataclass
class Sweep:
    """The API over one freshly prefilled database of `users` users."""

    users: int
    prefill_seconds: float
    rows: dict[str, Result] = field(default_factory=dict)
    rss_mb_per_worker: list[float] = field(default_factory=list)


@dataclass
class Run:
    command: str
    database: str
    started: str
    cores: int
    rounds: int = 1
    ceilings: list[tuple[str, Result]] = field(default_factory=list)  # (when, result), in run order
    sweeps: list[Sweep] = field(default_factory=list)
    seconds: float = 0.0
    load_average_1min: tuple[float, float] = (0.0, 0.0)  # before, after

    @property
    def ceiling_rps(self) -> float:
        """The median of the run's ceiling measurements: what every share is a share of."""
        return statistics.median(result.rps for _, result in self.ceilings)

    def share(self, result: Result) -> float:
        return result.rps / self.ceiling_rps

    def with_errors(self) -> list[str]:
        """Every measurement that saw a socket error or a non-2xx answer."""
        found = [f"{CEILING} {when}" for when, result in self.ceilings if result.errors]
        for sweep in self.sweeps:
            found += [f"{name} at {sweep.users:,} users" for name, r in sweep.rows.items() if r.errors]
        return found
