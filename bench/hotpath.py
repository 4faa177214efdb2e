"""In-process profile of one endpoint: cProfile over N test-client calls of an app built by
`create_app` over a prefilled SQLite file, logging as `people-api serve` does (to /dev/null) and
Prometheus in multi-process mode. Prints CPU per call and the top of the profile.

Usage (in the bench session's environment; the name avoids the standard library's `profile`):
    .nox/bench/bin/python bench/hotpath.py {get,list,create,idempotent-create} [--calls 2000]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
import uuid
from collections.abc import Callable

from werkzeug.test import TestResponse


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("endpoint", choices=["get", "list", "create", "idempotent-create"])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--top", type=int, default=60)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp()
    # Before prometheus-client is first imported: it picks its storage then.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tmp
    import run as bench

    from people_api import create_app, logs
    from people_api.config import Settings

    url = f"sqlite:///{tmp}/profile.db"
    ids = bench.prefill(url, args.users)
    out, sys.stderr = sys.stderr, open(os.devnull, "w")  # noqa: SIM115  # the JSON request log
    logs.configure("info")
    client = create_app(Settings(database_url=url, metrics_dir=tmp)).test_client()

    def create(keyed: bool) -> TestResponse:
        token = uuid.uuid4().hex
        body = {"name": "Profile", "email": f"profile-{token}@example.com"}
        return client.post("/people/v1/users", json=body, headers={"Idempotency-Key": token} if keyed else {})

    calls: dict[str, Callable[[], TestResponse]] = {
        "get": lambda: client.get(f"/people/v1/users/{ids[0]}"),
        "list": lambda: client.get("/people/v1/users?limit=20"),
        "create": lambda: create(keyed=False),
        "idempotent-create": lambda: create(keyed=True),
    }
    call = calls[args.endpoint]

    def run(count: int) -> None:
        for _ in range(count):
            response = call()
            if response.status_code >= 300:
                raise RuntimeError(f"{response.status_code}: {response.text}")

    run(200)
    started = time.process_time()
    run(args.calls)
    cpu_us = (time.process_time() - started) / args.calls * 1e6
    profile = cProfile.Profile()
    profile.runcall(run, args.calls)
    text = io.StringIO()
    stats = pstats.Stats(profile, stream=text)
    stats.sort_stats(args.sort).print_stats(args.top)
    print(f"{args.endpoint}: {cpu_us:.0f} µs CPU per call unprofiled", file=out)
    print(f"{stats.total_calls / args.calls:,.0f} function calls per call", file=out)  # type: ignore[attr-defined]
    print(text.getvalue(), file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
