"""How granian serves: how a worker ends when its main process dies (gracefully, or by its watchdog),
how many dead workers are replaced, and the connections each worker holds."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from people_api import serving

# A "main process" that starts a "worker" arming people_api.serving's stop, then dies at once. The
# worker ignores SIGTERM, as a worker whose graceful stop hangs does, and prints its pid.
_MAIN = """
import os, signal, subprocess, sys
worker = subprocess.Popen([sys.executable, "-c", sys.argv[1], str(os.getpid())])
signal.pause()
"""
_WORKER = """
import os, signal, sys, time
from people_api import serving
signal.signal(signal.SIGTERM, signal.SIG_IGN)
serving._stop_with(int(sys.argv[1]), 1)
print(os.getpid(), flush=True)
time.sleep(60)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="PR_SET_PDEATHSIG is Linux's")
def test_a_worker_stuck_in_its_graceful_stop_exits_once_the_stop_bound_passes() -> None:
    """Killed main process, worker deaf to SIGTERM: the watchdog ends the worker after its bound."""
    with subprocess.Popen(
        [sys.executable, "-c", _MAIN, _WORKER], stdout=subprocess.PIPE, start_new_session=True
    ) as main:
        assert main.stdout is not None
        worker = int(main.stdout.readline())
        main.kill()
        main.wait(timeout=10)
    killed = time.monotonic()

    while os.path.exists(f"/proc/{worker}") and _state(worker) != "Z":
        assert time.monotonic() < killed + 10, "the worker outlived its stop bound"
        time.sleep(0.05)

    assert time.monotonic() - killed >= 1  # it waited out the bound, as a graceful stop may need


def _state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0]
    except OSError:
        return "gone"


class TestRespawnBudget:
    """Dead workers are replaced, but not forever: at most MAX_RESPAWNS deaths in any window."""

    def test_deaths_within_the_budget_are_replaced(self) -> None:
        """Five deaths within a minute: each worker is replaced."""
        budget = serving.RespawnBudget(5, 60.0, clock=lambda: 0.0)

        assert [budget.allows(1) for _ in range(5)] == [True] * 5

    def test_one_death_more_within_the_window_stops_the_instance(self) -> None:
        """The sixth death within a minute is a crash loop: no more respawns."""
        budget = serving.RespawnBudget(5, 60.0, clock=lambda: 0.0)
        for _ in range(5):
            budget.allows(1)

        assert budget.allows(1) is False

    def test_deaths_older_than_the_window_are_forgotten(self) -> None:
        """A worker that dies now and then, less often than the budget, is replaced every time."""
        now = [0.0]
        budget = serving.RespawnBudget(5, 60.0, clock=lambda: now[0])
        allowed = []
        for _ in range(20):
            allowed.append(budget.allows(1))
            now[0] += 13.0

        assert all(allowed)

    def test_workers_dying_together_count_one_each(self) -> None:
        """Two workers found dead at once spend two deaths of the budget."""
        budget = serving.RespawnBudget(5, 60.0, clock=lambda: 0.0)

        assert (budget.allows(2), budget.allows(2), budget.allows(2)) == (True, True, False)


def test_connections_per_worker_share_the_file_descriptors() -> None:
    """Each worker holds at most MAX_CONNECTIONS_PER_WORKER, fewer when the fd limit is short."""
    assert [
        serving.connections_per_worker(descriptors, workers)
        for descriptors, workers in [(1 << 20, 2), (20000, 2), (1024, 2), (100, 1)]
    ] == [serving.MAX_CONNECTIONS_PER_WORKER, 9872, 384, 1]


def test_serve_raises_the_open_file_limit_to_its_hard_limit() -> None:
    """The soft limit (often 1024) would cap connections far below what a worker holds."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(1024, hard), hard))
    try:
        assert serving.raise_fd_limit() == resource.getrlimit(resource.RLIMIT_NOFILE)[0] == hard
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
