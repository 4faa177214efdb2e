"""Racing writers against the real server: the database decides, exactly one wins, nothing 500s."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
from conftest import USERS

RACERS = 20


def race(server: str, send: Callable[[httpx.Client, int], httpx.Response]) -> list[httpx.Response]:
    """Fire RACERS requests at once, each on its own connection; `send` gets the racer's number."""

    def one(number: int) -> httpx.Response:
        with httpx.Client(base_url=server, timeout=30) as client:
            return send(client, number)

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        return list(pool.map(one, range(RACERS)))


def statuses(responses: list[httpx.Response]) -> Counter[int]:
    return Counter(response.status_code for response in responses)


def test_parallel_patches_with_one_etag_let_exactly_one_win(server: str) -> None:
    """20 PATCHes carrying the same If-Match: one 200, nineteen 412."""
    created = httpx.post(f"{server}{USERS}", json={"name": "Ada", "email": f"{uuid.uuid4().hex}@example.com"})
    path, etag = created.headers["Location"], created.headers["ETag"]
    responses = race(
        server,
        lambda client, _: client.patch(
            path, json={"name": f"racer-{uuid.uuid4().hex[:8]}"}, headers={"If-Match": etag}
        ),
    )
    assert statuses(responses) == Counter({200: 1, 412: RACERS - 1})
    assert httpx.get(f"{server}{path}").headers["ETag"] == '"2"'


def test_parallel_creates_of_one_email_give_one_user(server: str) -> None:
    """20 creates of one email (in varied case): one 201, nineteen 409, one stored user."""
    email = f"{uuid.uuid4().hex}@example.com"
    responses = race(
        server,
        lambda client, number: client.post(
            USERS, json={"name": "Ada", "email": email.upper() if number % 2 else email}
        ),
    )
    assert statuses(responses) == Counter({201: 1, 409: RACERS - 1})
    assert len(httpx.get(f"{server}{USERS}", params={"email": email}).json()["users"]) == 1


def test_parallel_creates_with_one_idempotency_key_give_one_user(server: str) -> None:
    """20 creates with one Idempotency-Key: one user; each answer is its 201 (maybe replayed) or a 409."""
    email = f"{uuid.uuid4().hex}@example.com"
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    responses = race(
        server, lambda client, _: client.post(USERS, json={"name": "Ada", "email": email}, headers=headers)
    )
    assert set(statuses(responses)) <= {201, 409}
    created_ids = {response.json()["id"] for response in responses if response.status_code == 201}
    assert len(created_ids) == 1
    assert len(httpx.get(f"{server}{USERS}", params={"email": email}).json()["users"]) == 1
