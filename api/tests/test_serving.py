"""How a granian worker ends when its main process dies: gracefully, or by its watchdog."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

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
