"""The rate limiter's Redis connections: no wait on Redis longer than TIMEOUT_SECONDS, and none at all
while it is known not to answer.

A stopped (SIGSTOP) or hung Redis still has its kernel accept connections and acknowledge packets, so
only a clock in the client notices. Without a guard every request would wait that clock out, some of
them twice (flask-limiter pings the storage to see whether it is back right after a command timed out).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

T = TypeVar("T")

# A Redis that has not answered within this many seconds counts as down.
TIMEOUT_SECONDS = 1.0
# How often, at most, a guard that tripped tries (in the background) whether Redis answers again.
PROBE_INTERVAL_SECONDS = 1.0
# The URL schemes limits hands to a plain redis-py client (others are Sentinel or Cluster).
SCHEMES = ("redis://", "rediss://", "redis+unix://")


class Guard:
    """One process's view of whether its Redis answers.

    Once a wait has run out, every new command fails at once instead of waiting out its own timeout,
    until a ping made in the background (at most once a PROBE_INTERVAL_SECONDS, and only while commands
    keep coming) is answered.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.tripped = False
        self._lock = threading.Lock()
        self._probing = False
        self._next_probe = 0.0

    def check(self) -> None:
        """Raise redis.ConnectionError at once while Redis is known not to answer."""
        if self.tripped:
            self._probe_soon()
            raise redis.ConnectionError(f"Redis did not answer within {TIMEOUT_SECONDS:g} s; failing fast")

    def trip(self) -> None:
        """A wait on Redis ran out: fail fast from now on."""
        with self._lock:
            if not self.tripped:
                self.tripped = True
                self._next_probe = time.monotonic() + PROBE_INTERVAL_SECONDS

    def _probe_soon(self) -> None:
        with self._lock:
            if self._probing or time.monotonic() < self._next_probe:
                return
            self._probing = True
        threading.Thread(target=self._probe, name="redis-probe", daemon=True).start()

    def _probe(self) -> None:
        client = redis.Redis(connection_pool=redis.ConnectionPool.from_url(self.url, **_timeouts()))
        try:
            client.ping()
        except redis.RedisError:
            pass
        else:
            self.tripped = False
        finally:
            client.close()
            with self._lock:
                self._probing = False
                self._next_probe = time.monotonic() + PROBE_INTERVAL_SECONDS


class _TripOnTimeout(Retry):
    """redis-py's hook around every connect and command, used to notice timeouts: no retries (one
    wait is all a request may spend on Redis), and a timeout trips the guard."""

    def __init__(self, guard: Guard) -> None:
        super().__init__(NoBackoff(), 0)
        self.guard = guard

    def __deepcopy__(self, _memo: dict[int, Any]) -> _TripOnTimeout:
        return self  # redis-py copies its retry into each connection; the guard must stay shared

    def call_with_retry(
        self,
        do: Callable[[], T],
        fail: Callable[..., Any],
        is_retryable: Callable[[Exception], bool] | None = None,
        with_failure_count: bool = False,
    ) -> T:
        try:
            return super().call_with_retry(do, fail, is_retryable, with_failure_count)
        except (redis.TimeoutError, TimeoutError):
            self.guard.trip()
            raise


class GuardedPool(redis.ConnectionPool):
    """A connection pool that refuses at once while its guard has tripped."""

    def __init__(self, *, guard: Guard, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.guard = guard

    def get_connection(self, *args: Any, **kwargs: Any) -> Any:
        self.guard.check()
        return super().get_connection(*args, **kwargs)


def _timeouts() -> dict[str, float]:
    return {"socket_timeout": TIMEOUT_SECONDS, "socket_connect_timeout": TIMEOUT_SECONDS}


def connection_pool(uri: str) -> GuardedPool:
    """A guarded pool for a limits storage URI (redis://, rediss://, redis+unix://)."""
    url = uri.replace("redis+unix://", "unix://", 1)  # as limits itself rewrites it
    guard = Guard(url)
    pool: GuardedPool = GuardedPool.from_url(url, guard=guard, retry=_TripOnTimeout(guard), **_timeouts())
    return pool
