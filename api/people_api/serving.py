"""granian, run so that one server owns its port and no worker outlives its main process."""

from __future__ import annotations

import collections
import contextlib
import ctypes
import functools
import logging
import os
import resource
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
# Threads per worker. One at a time runs the app (admission.py), so more do not add throughput; they let
# requests that wait for their bodies wait side by side instead of in line: 16 keep a worker answering
# while 8 bodies trickle in.
THREADS = 16
# How long an idle keep-alive connection stays open, and how long a client has to send a request's
# head (granian's one timer serves both). Long enough to reuse a connection between a client's bursts,
# short enough that idle or stalled connections do not pile up. Behind a load balancer, keep it above
# the balancer's own idle timeout (or lower that one), or the balancer may reuse a connection just as
# it closes. granian takes at most 60 s.
KEEP_ALIVE_SECONDS = 15
MAX_KEEP_ALIVE_SECONDS = 60
# Connections each worker holds open at once, idle ones included (granian's "backpressure"; its
# default, backlog / workers, let about a thousand idle connections shut everyone else out). Requests
# still queue for the worker's threads; a connection costs only a file descriptor and a few KiB.
MAX_CONNECTIONS_PER_WORKER = 16384
# Connections the kernel queues for accept: a burst of new clients waits here, not refused (the kernel
# caps it at net.core.somaxconn).
BACKLOG = 4096
# File descriptors kept for everything but client connections: the listener, log files, databases.
_SPARE_FDS = 256
# A worker that dies is replaced at once; more than this many deaths within the window is a crash
# loop, and the instance stops (exit 1) rather than respawning forever. (granian itself stops at once
# if a replacement dies within 5.5 s of starting.)
MAX_RESPAWNS = 5
RESPAWN_WINDOW_SECONDS = 60.0
logger = logging.getLogger("people_api")


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
    keep_alive: int = KEEP_ALIVE_SECONDS,
    on_start: Callable[[], object] | None = None,
) -> None:
    """Serve people_api.wsgi:app with granian until it is stopped; `on_start` runs in this process as
    granian starts, before it spawns the workers (which load the app, then bind the port)."""
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings
    from granian.log import LogLevels

    from people_api.observability import logs

    ensure_port_free(host, port)
    descriptors = raise_fd_limit()
    with metrics_dir():
        server = _server_class()(
            "people_api.wsgi:app",
            address=host,
            port=port,
            interface=Interfaces.WSGI,
            workers=workers,
            blocking_threads=threads,
            # HTTP/1.1 only: granian closes idle HTTP/1 connections (below) but keeps an idle HTTP/2
            # one for as long as its client likes; HTTP/2 comes from the TLS proxy in front, if any.
            http=HTTPModes.http1,
            http1_settings=HTTP1Settings(header_read_timeout=keep_alive * 1000),
            backlog=BACKLOG,
            backpressure=connections_per_worker(descriptors, workers),
            respawn_failed_workers=True,
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


def raise_fd_limit() -> int:
    """Raise this process's open-file limit to its hard limit (workers inherit it); the new soft limit.

    Every connection is a file descriptor, and the usual soft limit of 1024 would cap them far below
    what a worker holds."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 1 << 20
    if wanted > soft:
        with contextlib.suppress(ValueError, OSError):  # then the soft limit is what there is
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
    return soft


def connections_per_worker(descriptors: int, workers: int) -> int:
    """Connections each worker may hold: MAX_CONNECTIONS_PER_WORKER, or its share of the descriptors."""
    return max(1, min(MAX_CONNECTIONS_PER_WORKER, (descriptors - _SPARE_FDS) // workers))


class RespawnBudget:
    """Whether dead workers may still be replaced: at most `limit` deaths within any `window` seconds."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._limit = limit
        self._window = window
        self._clock = clock
        self._deaths: collections.deque[float] = collections.deque()

    def allows(self, deaths: int) -> bool:
        """Count `deaths` more workers that died just now; whether they may be replaced."""
        now = self._clock()
        self._deaths.extend([now] * deaths)
        while self._deaths and self._deaths[0] <= now - self._window:
            self._deaths.popleft()
        return len(self._deaths) <= self._limit


def _server_class() -> Any:
    """granian's server, replacing workers that die within a RespawnBudget."""
    from granian import Granian

    class Server(Granian):  # type: ignore[misc,valid-type]
        """granian's serve loop reads `respawn_failed_workers` once each time workers die unexpectedly
        (their indices in `interrupt_children`): answering it from the budget bounds the respawns."""

        _budget = RespawnBudget(MAX_RESPAWNS, RESPAWN_WINDOW_SECONDS)
        _respawn = False

        @property
        def respawn_failed_workers(self) -> bool:
            if not self._respawn:
                return False
            if self._budget.allows(len(self.interrupt_children)):
                return True
            logger.error(
                "workers died more than %d times within %g s: stopping instead of respawning them",
                MAX_RESPAWNS,
                RESPAWN_WINDOW_SECONDS,
            )
            return False

        @respawn_failed_workers.setter
        def respawn_failed_workers(self, value: bool) -> None:
            self._respawn = value

    return Server


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
    from people_api.admission import OneAtATime
    from people_api.wsgi import app

    return OneAtATime(app)


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
