"""One wrk run and what it printed: throughput, p99 latency and failures."""

from __future__ import annotations

import re
import statistics
import subprocess
from dataclasses import dataclass
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


@dataclass(frozen=True)
class Result:
    rps: float
    p99_ms: float
    socket_errors: int
    non_2xx: int

    @property
    def errors(self) -> int:
        return self.socket_errors + self.non_2xx


def wrk(url: str, duration: int, connections: int, script: str | None = None, *args: str) -> Result:
    """wrk -t2 against `url` for `duration` seconds; `script` is a Lua file beside this one, `args`
    are passed to it."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency"]
    if script:
        command += ["-s", str(SCRIPTS / script)]
    command.append(url)
    if args:
        command += ["--", *args]
    return parse(subprocess.run(command, check=True, capture_output=True, text=True).stdout)


def median(results: list[Result]) -> Result:
    """Several runs of one row as one: the median throughput and p99, and every error of every run."""
    return Result(
        rps=statistics.median(result.rps for result in results),
        p99_ms=statistics.median(result.p99_ms for result in results),
        socket_errors=sum(result.socket_errors for result in results),
        non_2xx=sum(result.non_2xx for result in results),
    )


def parse(out: str) -> Result:
    """The figures of wrk's summary; missing error lines mean none."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    if rps is None or p99 is None:
        raise ValueError(f"not a wrk --latency summary:\n{out}")
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return Result(
        rps=float(rps.group(1)),
        p99_ms=float(p99.group(1)) * _UNITS[p99.group(2)],
        socket_errors=sum(int(n) for n in sockets.groups()) if sockets else 0,
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
    )
