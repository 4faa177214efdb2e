"""One server per port: granian's workers stop when its main process dies (even by `kill -9`), and
`people-api serve` refuses a port that something already listens on, so old and new code never both
take requests."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time

import httpx
from conftest import BIN, children, launched_as_group, running, unused_port

WORKERS = 2


def workers_of(process: subprocess.Popen[bytes]) -> list[int]:
    """granian's worker processes, once all WORKERS of them run."""
    deadline = time.monotonic() + 30
    while len(found := children(process.pid)) < WORKERS:
        assert time.monotonic() < deadline, f"only {found} of {WORKERS} workers started"
        time.sleep(0.1)
    return found


def test_workers_stop_when_the_main_process_is_killed(database_url: str) -> None:
    """After `kill -9` of granian's main process its workers exit within seconds and nothing serves:
    gracefully at once, or, should a graceful stop hang, when the watchdog ends them (statement
    timeout 1 s + 5 s)."""
    port = unused_port()
    env = {"PEOPLE_API_STATEMENT_TIMEOUT": "1"}
    with launched_as_group(
        database_url, port, "--workers", str(WORKERS), stop=signal.SIGKILL, env=env
    ) as process:
        workers = workers_of(process)
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200

        killed = time.monotonic()
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        while any(running(pid) for pid in workers):
            assert time.monotonic() < killed + 10, "workers still run 10 s after their main process died"
            time.sleep(0.05)
        print(f"workers gone {time.monotonic() - killed:.3f} s after kill -9 of the main process")

        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0, "something still listens on the port"


def test_serve_refuses_a_port_another_server_listens_on(database_url: str) -> None:
    """A second `serve` on a busy port exits non-zero with a one-line error; the first keeps serving alone."""
    port = unused_port()
    with launched_as_group(database_url, port, "--workers", str(WORKERS), stop=signal.SIGKILL):
        second = subprocess.Popen(
            [str(BIN / "people-api"), "serve", "--port", str(port)],
            env={**os.environ, "PEOPLE_API_DATABASE_URL": database_url},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            stdout, stderr = second.communicate(timeout=60)
        finally:  # had it started serving, its workers would be in its session too
            with contextlib.suppress(ProcessLookupError):
                os.killpg(second.pid, signal.SIGKILL)
            second.wait(timeout=30)

        assert (second.returncode, stdout, stderr.decode()) == (
            1,
            b"",
            f"Error: cannot listen on 127.0.0.1:{port}: Address already in use\n",
        )
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
