"""Worker processes that check batches beside the one process that writes, results in input order."""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor

from people_api.users.bulk.checking import Checked, check
from people_api.users.bulk.preparing import BatchPreparer
from people_api.users.bulk.reading import Batch


def _start_worker() -> None:
    # Ctrl-C is the importing process's to handle; workers just go away with it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The single writer is the bottleneck: when CPUs are short, it comes first and workers fill in.
    os.nice(5)


def checked_in_order(batches: Iterator[Batch], prepare: BatchPreparer, jobs: int) -> Iterator[Checked]:
    """Each batch checked, in input order; with jobs > 1 in worker processes, a few batches ahead."""
    ahead = list(itertools.islice(batches, 2))
    if jobs == 1 or len(ahead) < 2:  # one process, or too little input to be worth starting workers
        for batch in itertools.chain(ahead, batches):
            yield check(batch, prepare)
        return
    pool = ProcessPoolExecutor(
        jobs, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker
    )
    pending: deque[Future[Checked]] = deque()
    try:
        for batch in itertools.chain(ahead, batches):
            pending.append(pool.submit(check, batch, prepare))
            # Constant memory: at most jobs + 1 batches read ahead of the one being inserted.
            if len(pending) > jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
