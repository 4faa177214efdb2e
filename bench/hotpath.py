"""In-process profile of one endpoint: cProfile over N calls of the WSGI app built by `create_app`
over a prefilled SQLite file, logging as `people-api serve` does (to /dev/null) and Prometheus in
multi-process mode. Each call hands the app a ready WSGI environ, as granian does, so the profile
holds the app's own work and none of a test client's. Prints CPU per call and the top of the profile.

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
from typing import Any

from werkzeug.test import EnvironBuilder

# A client on this machine: a service with no API keys answers no one else (protected mode).
LOCAL = {"REMOTE_ADDR": "127.0.0.1"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("endpoint", choices=["get", "list", "create", "idempotent-create"])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--top", type=int, default=60)
    parser.add_argument("--dump", help="also write the raw profile here (for pstats or snakeviz)")
    parser.add_argument(
        "--bare",
        action="store_true",
        help="only make the calls, unprofiled: for counting instructions, e.g. the difference between "
        "two `valgrind --tool=callgrind` runs with different --calls (repeatable on a busy machine)",
    )
    args = parser.parse_args()

    tmp = tempfile.mkdtemp()
    # Before prometheus-client is first imported: it picks its storage then.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tmp
    import prefill

    from people_api.app import create_app
    from people_api.config import Settings
    from people_api.observability import logs

    url = f"sqlite:///{tmp}/profile.db"
    ids = prefill.prefill(url, args.users)
    # The JSON request log's handler takes the stream it is configured with: /dev/null.
    out, sys.stderr = sys.stderr, open(os.devnull, "w")  # noqa: SIM115
    logs.configure("info")
    sys.stderr = out
    app = create_app(Settings(database_url=url, metrics_dir=tmp))

    def environ(keyed: bool | None = None) -> dict[str, Any]:
        """One request's WSGI environ: a GET of the endpoint, or a create (with a key if `keyed`)."""
        if keyed is None:
            return EnvironBuilder(path=paths[args.endpoint], environ_base=LOCAL).get_environ()
        token = uuid.uuid4().hex
        return EnvironBuilder(
            path="/people/v1/users",
            method="POST",
            json={"name": "Profile", "email": f"profile-{token}@example.com"},
            headers={"Idempotency-Key": token} if keyed else {},
            environ_base=LOCAL,
        ).get_environ()

    paths = {"get": f"/people/v1/users/{ids[0]}", "list": "/people/v1/users?limit=20"}
    keyed = {"create": False, "idempotent-create": True}.get(args.endpoint)

    def requests(count: int) -> list[dict[str, Any]]:
        # Built before the clock starts: a GET's environ is copied, a create's made per request.
        if keyed is None:
            one = environ()
            return [dict(one) for _ in range(count)]
        return [environ(keyed) for _ in range(count)]

    def run(environs: list[dict[str, Any]]) -> None:
        statuses: list[str] = []
        for each in environs:
            b"".join(app(each, lambda status, _headers: statuses.append(status)))
            if not statuses[-1].startswith("2"):
                raise RuntimeError(f"{args.endpoint} answered {statuses[-1]}")

    run(requests(50 if args.bare else 200))
    if args.bare:
        run(requests(args.calls))
        return 0
    # The best of five: another process on the machine only ever adds time.
    timings = []
    for _ in range(5):
        timed = requests(args.calls // 5)
        started = time.process_time()
        run(timed)
        timings.append((time.process_time() - started) / len(timed) * 1e6)
    cpu_us = min(timings)
    profiled = requests(args.calls)
    profile = cProfile.Profile()
    profile.runcall(run, profiled)
    if args.dump:
        profile.dump_stats(args.dump)
    text = io.StringIO()
    stats = pstats.Stats(profile, stream=text)
    stats.sort_stats(args.sort).print_stats(args.top)
    print(f"{args.endpoint}: {cpu_us:.0f} µs CPU per call unprofiled (best of five)")
    print(f"{stats.total_calls / args.calls:,.0f} function calls per call")  # type: ignore[attr-defined]
    print(text.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
