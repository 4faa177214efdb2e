"""The processes under load: start one on a free port, wait until it answers, read its workers' RSS."""

from __future__ import annotations

import contextlib
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

BIN = Path(sys.executable).parent
HERE = Path(__file__).resolve().parent


def api(workers: int, threads: int | None = None) -> list[str]:
    """`people-api serve` in its default configuration, as an operator starts it (but for `threads`)."""
    threads_option = ["--threads", str(threads)] if threads else []
    return [str(BIN / "people-api"), "serve", "--workers", str(workers), *threads_option]


def ceiling(workers: int) -> list[str]:
    """bench/ceiling.py's raw WSGI callable on granian, as `serve` runs the API."""
    return [
        str(BIN / "granian"), "--interface", "wsgi", "--workers", str(workers),
        "--blocking-threads", "1", "--no-ws", "--working-dir", str(HERE), "ceiling:app",
    ]  # fmt: skip


@contextlib.contextmanager
def serving(command: list[str], env: dict[str, str]) -> Iterator[tuple[int, int]]:
    """Run `command --port PORT` until the block ends; yields (pid, port) once the port accepts."""
    port = _free_port()
    # The API's JSON request log goes to /dev/null, as an operator would send it to a file or collector.
    process = subprocess.Popen(
        [*command, "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        _wait(port, process)
        yield process.pid, port
    finally:
        process.terminate()
        process.wait(timeout=30)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing answered on port {port} within 30 s")


def worker_rss_mb(pid: int) -> list[float]:
    """Resident memory of every process below `pid` (granian's workers), in MB."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], list(children.get(pid, []))
    while todo:
        child = todo.pop()
        todo += children.get(child, [])
        with contextlib.suppress(OSError):
            status = (Path("/proc") / str(child) / "status").read_text()
            rss = re.search(r"VmRSS:\s+(\d+) kB", status)
            if rss:
                found.append(int(rss.group(1)) / 1024)
    return sorted(found)
