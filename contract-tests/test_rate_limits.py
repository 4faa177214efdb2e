"""Rate limits on real `people-api serve` processes: every API operation answers a 429 problem once
the budget is spent; instances on one Redis share one budget; with Redis down they keep answering,
counting alone, and say so in their log."""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from conftest import USERS, PrivateRedis, Server, serving, unreachable
from recording import StatusRecorder

from people_api_client import Client
from people_api_client.api.users import (
    create_user,
    delete_user,
    get_user,
    list_users,
    replace_user,
    update_user,
)
from people_api_client.models import Problem, UserCreate, UserPatch, UserReplace

SHARED_REDIS = "redis://127.0.0.1:6379/0"  # this project's machines run Redis there
SPENT_BUDGET = "2/hour"
SHARED_BUDGET = "4/minute"
A_USER = uuid.UUID("864d82a5-e4e2-4b17-8358-d0d66d34e470")
# Each API operation, called through the generated client (the recorder sees its status).
CALLS: dict[str, Callable[[Client], Any]] = {
    "create_user": lambda c: create_user.sync_detailed(
        client=c, body=UserCreate(name="Ada", email="a@x.org")
    ),
    "list_users": lambda c: list_users.sync_detailed(client=c),
    "get_user": lambda c: get_user.sync_detailed(A_USER, client=c),
    "replace_user": lambda c: replace_user.sync_detailed(
        A_USER, client=c, body=UserReplace(name="Ada", email="a@x.org")
    ),
    "update_user": lambda c: update_user.sync_detailed(A_USER, client=c, body=UserPatch(name="Ada")),
    "delete_user": lambda c: delete_user.sync_detailed(A_USER, client=c),
}


def rate_limited(budget: str, storage: str = "memory://") -> dict[str, str]:
    """The environment of a server with this budget, counting under a prefix of its own."""
    return {
        "PEOPLE_API_RATE_LIMIT": budget,
        "PEOPLE_API_RATE_LIMIT_STORAGE": storage,
        "PEOPLE_API_RATE_LIMIT_KEY_PREFIX": f"contract-{uuid.uuid4().hex}",
    }


def remaining(response: httpx.Response) -> int:
    """The `r` of the only RateLimit item."""
    found = re.fullmatch(r'"[0-9a-z-]+";r=(\d+);t=\d+', response.headers["RateLimit"])
    assert found, response.headers["RateLimit"]
    return int(found.group(1))


@contextlib.contextmanager
def instances(database_url: str, count: int, env: dict[str, str], logs: Path) -> Iterator[list[httpx.Client]]:
    """`count` servers over one database and one rate-limit configuration, started side by side."""
    with contextlib.ExitStack() as stack:
        starting = [
            serving(database_url, "--workers", "1", env=env, log=logs / f"instance-{n}.log")
            for n in range(count)
        ]
        with ThreadPoolExecutor(max_workers=count) as pool:
            servers: list[Server] = list(pool.map(stack.enter_context, starting))
        yield [stack.enter_context(httpx.Client(base_url=server.url, timeout=30)) for server in servers]


@pytest.fixture(scope="module")
def spent(database_url: str, recorder: StatusRecorder) -> Iterator[Client]:
    """The generated client on a server allowing 2 API requests an hour, after spending both."""
    with (
        serving(database_url, "--workers", "1", env=rate_limited(SPENT_BUDGET)) as server,
        Client(base_url=server.url, httpx_args={"event_hooks": {"response": [recorder.record]}}) as client,
    ):
        for _ in range(2):
            assert client.get_httpx_client().get(USERS).status_code == 200
        yield client


@pytest.fixture(scope="module")
def shared_redis() -> str:
    """The machine's Redis (unreachable: a failure under CI, a skip locally)."""
    client = redis.Redis.from_url(SHARED_REDIS, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.ConnectionError as error:
        unreachable(f"Redis at {SHARED_REDIS} is unreachable: {error}")
    finally:
        client.close()
    return SHARED_REDIS


@pytest.mark.parametrize("operation", CALLS)
def test_every_api_operation_answers_a_429_problem_once_the_budget_is_spent(
    spent: Client, operation: str
) -> None:
    """A typed Problem with status 429, Retry-After within the hour, RateLimit r=0 and the policy."""
    response = CALLS[operation](spent)

    assert response.status_code == 429
    assert isinstance(response.parsed, Problem)
    assert response.parsed.status == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 3600
    assert response.headers["RateLimit-Policy"] == '"2-per-1-hour";q=2;w=3600'
    assert re.fullmatch(r'"2-per-1-hour";r=0;t=\d+', response.headers["RateLimit"])


def test_instances_on_one_redis_share_one_budget(
    database_url: str, shared_redis: str, tmp_path: Path
) -> None:
    """Two instances, four requests a minute between them: A and B in turn count down one budget,
    and the fifth request is refused by either."""
    with instances(database_url, 2, rate_limited(SHARED_BUDGET, shared_redis), tmp_path) as (a, b):
        answers = [(a if n % 2 == 0 else b).get(USERS) for n in range(4)]
        refused = [a.get(USERS), b.get(USERS)]

    assert [(r.status_code, remaining(r)) for r in answers] == [(200, 3), (200, 2), (200, 1), (200, 0)]
    assert [r.status_code for r in refused] == [429, 429]


def test_with_redis_down_instances_keep_answering_and_count_alone(
    database_url: str, private_redis: PrivateRedis, tmp_path: Path
) -> None:
    """Redis stops: no request fails (no 5xx), each instance enforces the limit in its own memory,
    and each logs that it fell back."""
    with instances(database_url, 2, rate_limited(SHARED_BUDGET, private_redis.url), tmp_path) as (a, b):
        assert [a.get(USERS).status_code, b.get(USERS).status_code] == [200, 200]
        private_redis.stop()

        per_instance = [[client.get(USERS).status_code for _ in range(5)] for client in (a, b)]

    assert per_instance == [[200, 200, 200, 200, 429]] * 2
    for log in sorted(tmp_path.glob("instance-*.log")):
        assert "falling back to in-memory storage" in log.read_text(encoding="utf-8"), log.name
