"""Workers that die (kill -9, as an OOM kill or a segfault would) against a real `people-api serve`:
each is replaced while the instance keeps serving, and a crash loop stops the instance."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable

import httpx
from conftest import USERS, WriterServer, children, running

LOAD_CLIENTS = 4


def wait_for_workers(server: WriterServer, count: int, besides: set[int], timeout: float = 30.0) -> set[int]:
    """The server's worker pids once it has `count` of them and at least one not in `besides`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        workers = {pid for pid in children(server.process.pid) if running(pid)}
        if len(workers) == count and workers - besides:
            return workers
        time.sleep(0.05)  # the pids are only seen by looking
    raise TimeoutError(f"no new worker among {children(server.process.pid)} within {timeout} s")


def load(server: WriterServer, stop: threading.Event, outcomes: list[bool]) -> None:
    """Keyed reads on a keep-alive connection until `stop`; each outcome True when it was a 200."""
    headers = {"Authorization": f"Bearer {server.token}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=10) as client:
        while not stop.is_set():
            try:
                outcomes.append(client.get(USERS, params={"limit": 1}).status_code == 200)
            except httpx.TransportError:
                outcomes.append(False)


def test_a_worker_killed_under_load_is_replaced_and_the_instance_keeps_serving(
    make_writer_server: Callable[..., WriterServer],
) -> None:
    """kill -9 of one of two workers under load costs at most the requests it was holding
    (at most one per client); a new worker takes its place and every later request succeeds."""
    server = make_writer_server("--workers", "2")
    workers = wait_for_workers(server, 2, besides=set())
    stop, outcomes = threading.Event(), list[bool]()
    clients = [threading.Thread(target=load, args=(server, stop, outcomes)) for _ in range(LOAD_CLIENTS)]
    for client in clients:
        client.start()
    time.sleep(1)  # load on both workers; nothing to wait on but the clock
    victim = min(workers)
    os.kill(victim, signal.SIGKILL)
    replaced = wait_for_workers(server, 2, besides=workers)
    served_before_recovery = len(outcomes)
    time.sleep(1)  # load on the replacement too
    stop.set()
    for client in clients:
        client.join()

    failed = outcomes.count(False)
    print(f"worker {victim} killed: {failed} of {len(outcomes)} requests failed")
    assert victim not in replaced
    assert server.process.poll() is None
    assert failed <= LOAD_CLIENTS
    assert all(outcomes[served_before_recovery + LOAD_CLIENTS :])


def test_a_worker_that_dies_again_at_once_stops_the_instance(
    make_writer_server: Callable[..., WriterServer],
) -> None:
    """A replacement that dies within seconds of starting is a crash loop: the instance exits 1
    instead of respawning forever (a slower loop is bounded by serving.RespawnBudget)."""
    server = make_writer_server()
    (first,) = wait_for_workers(server, 1, besides=set())
    os.kill(first, signal.SIGKILL)
    (second,) = wait_for_workers(server, 1, besides={first})
    os.kill(second, signal.SIGKILL)

    assert server.process.wait(timeout=30) == 1
