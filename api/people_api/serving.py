"""granian, run so that one server owns its port and no worker outlives its main process."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from people_api.observability import logs

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


class PortUnavailable(Exception):
    """The address cannot be listened on, most often because something already listens there."""


def ensure_port_free(host: str, port: int) -> None:
    """Raise PortUnavailable unless a plain listener could bind `host:port` right now.

    granian's workers each bind with SO_REUSEPORT, so granian alone would start a second server beside
    a running one (or beside orphaned workers) and the kernel would share requests between old and new
    code. A socket without SO_REUSEPORT cannot bind beside any listener, which is the check wanted.
    """
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            # As any server sets it: a previous run's connections in TIME_WAIT are no conflict.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as error:
        raise PortUnavailable(f"cannot listen on {host}:{port}: {error.strerror or error}") from None


def serve(
    host: str,
    port: int,
    workers: int,
    threads: int,
    statement_timeout: int,
    log_level: str = "info",
    on_start: Callable[[], object] | None = None,
) -> None:
    """Serve people_api.wsgi:app with granian until it is stopped; `on_start` runs in this process as
    granian starts, before it spawns the workers (which load the app, then bind the port)."""
    from granian import Granian
    from granian.constants import Interfaces
    from granian.log import LogLevels

    ensure_port_free(host, port)
    with metrics_dir():
        server = Granian(
            "people_api.wsgi:app",
            address=host,
            port=port,
            interface=Interfaces.WSGI,
            workers=workers,
            blocking_threads=threads,
            # Now and then a granian worker never finishes its graceful stop (a thread left waiting on a
            # lock): once every request could have ended (each is bounded by the statement timeout),
            # SIGTERM kills it rather than leaving the server up forever.
            workers_kill_timeout=_stop_bound(statement_timeout),
            # granian sets up logging itself, in its main process and in each worker before it loads the
            # app: with this, as JSON lines like ours. Its access log stays off: telemetry logs requests.
            log_level=LogLevels(log_level),
            log_dictconfig=logs.dictconfig(log_level),
        )
        if on_start is not None:
            server.on_startup(on_start)
        server.serve(
            target_loader=functools.partial(_worker_app, os.getpid(), _stop_bound(statement_timeout)),
            wrap_loader=False,
        )


def _stop_bound(statement_timeout: int) -> int:
    """Seconds after which a worker asked to stop is killed: every request could have ended by then."""
    return statement_timeout + 5


@contextlib.contextmanager
def metrics_dir() -> Iterator[str]:
    """A new, empty PROMETHEUS_MULTIPROC_DIR for this server's workers, removed when it stops.

    Set before granian forks, so that each worker's prometheus-client writes its samples there and
    /metrics in any worker sums them all. A fresh folder per server: samples left by an earlier run
    would be counted again. Only counters and histograms are kept, so a worker that dies leaves its
    counts to the total and nothing needs `mark_process_dead`.
    """
    directory = tempfile.mkdtemp(prefix="people-api-metrics-")
    previous = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    try:
        yield directory
    finally:
        if previous is None:
            del os.environ["PROMETHEUS_MULTIPROC_DIR"]
        else:
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = previous
        shutil.rmtree(directory, ignore_errors=True)


def _worker_app(main_pid: int, stop_bound: int) -> Any:
    """The WSGI app, loaded in each granian worker."""
    if os.getpid() != main_pid:  # a worker process (on free-threaded Python granian's workers are threads)
        _stop_with(main_pid, stop_bound)
    from people_api.wsgi import app

    return app


def _stop_with(main_pid: int, stop_bound: int) -> None:
    """Have this worker stopped when granian's main process dies, even by `kill -9`.

    Otherwise the workers keep serving, re-parented to PID 1, and nothing ever stops them. The kernel
    asks for a graceful stop; since the main process that would kill a worker stuck in it (granian's
    workers_kill_timeout) is gone, a watchdog thread ends the worker `stop_bound` seconds later.
    """
    if sys.platform == "linux":
        # The kernel sends SIGTERM, granian's graceful stop, when the parent exits for any reason.
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != main_pid:  # it died before the signal was armed
        raise SystemExit(f"granian's main process {main_pid} is gone; worker {os.getpid()} exits")
    threading.Thread(target=_exit_once_orphaned, args=(main_pid, stop_bound), daemon=True).start()


def _exit_once_orphaned(main_pid: int, stop_bound: int) -> None:
    while os.getppid() == main_pid:
        time.sleep(0.5)
    time.sleep(stop_bound)  # the graceful stop the kernel asked for has had its chance
    os._exit(1)
