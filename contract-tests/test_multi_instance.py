"""Scale-out: several `people-api serve` processes over one shared PostgreSQL database behave as one
service. Every answer one instance gives (a cursor, an ETag, an idempotency record) holds on the others,
and the database alone decides races between them. PostgreSQL whatever the session's engine: it is the
only engine processes on different hosts can share."""

from __future__ import annotations

import contextlib
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from conftest import USERS, fresh_database, serving

INSTANCES = 3
RACERS = 20


@pytest.fixture(scope="module")
def instances(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[httpx.Client]]:
    """INSTANCES servers on their own ports over one fresh, migrated PostgreSQL database."""
    directory: Path = tmp_path_factory.mktemp("multi-instance")
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(fresh_database("postgres", directory))
        # Started side by side (each takes seconds to boot); the stack stops every one that started.
        starting = [serving(url, "--workers", "1", "--threads", "4") for _ in range(INSTANCES)]
        with ThreadPoolExecutor(max_workers=INSTANCES) as pool:
            servers = list(pool.map(stack.enter_context, starting))
        clients = [stack.enter_context(httpx.Client(base_url=s.url, timeout=30)) for s in servers]
        yield clients


def email() -> str:
    return f"{uuid.uuid4().hex}@example.com"


def test_a_cursor_from_one_instance_pages_on_another(instances: list[httpx.Client]) -> None:
    """Pages 1, 2 and 3 of a listing, each from another instance, show every user once, in creation order."""
    name = f"pager-{uuid.uuid4().hex[:12]}"
    created = []
    for number in range(5):
        response = instances[number % INSTANCES].post(USERS, json={"name": name, "email": email()})
        assert response.status_code == 201
        created.append(response.json()["id"])
    seen: list[str] = []
    cursor: str | None = None
    for page, instance in enumerate(instances):
        params: dict[str, str | int] = {"name": name, "limit": 2}
        if cursor is not None:
            params["cursor"] = cursor
        listed = instance.get(USERS, params=params)
        assert listed.status_code == 200, (page, listed.text)
        seen += [user["id"] for user in listed.json()["users"]]
        cursor = listed.json()["next_cursor"]
    assert seen == created
    assert cursor is None


def test_an_etag_from_one_instance_is_honoured_by_another(instances: list[httpx.Client]) -> None:
    """B answers 304 to A's ETag and accepts it in If-Match; C then refuses the same, now stale, ETag."""
    a, b, c = instances
    created = a.post(USERS, json={"name": "Ada", "email": email()})
    path, etag = created.headers["Location"], created.headers["ETag"]
    not_modified = b.get(path, headers={"If-None-Match": etag})
    assert (not_modified.status_code, not_modified.headers["ETag"], not_modified.content) == (304, etag, b"")
    patched = b.patch(path, json={"name": "Ada B"}, headers={"If-Match": etag})
    assert (patched.status_code, patched.headers["ETag"], patched.json()["name"]) == (200, '"2"', "Ada B")
    stale = c.patch(path, json={"name": "Ada C"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert stale.headers["Content-Type"] == "application/problem+json"
    fresh = a.get(path)
    assert (fresh.headers["ETag"], fresh.json()) == ('"2"', patched.json())


def test_parallel_creates_of_one_email_across_instances_give_one_user(instances: list[httpx.Client]) -> None:
    """20 creates of one email (in varied case), spread over the instances: one 201, nineteen 409."""
    address = email()

    def create(number: int) -> httpx.Response:
        with httpx.Client(base_url=instances[number % INSTANCES].base_url, timeout=30) as client:
            body = {"name": f"racer-{number}", "email": address.upper() if number % 2 else address}
            return client.post(USERS, json=body)

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        responses = list(pool.map(create, range(RACERS)))
    assert Counter(response.status_code for response in responses) == Counter({201: 1, 409: RACERS - 1})
    (winner,) = [response.json() for response in responses if response.status_code == 201]
    for instance in instances:
        assert instance.get(USERS, params={"email": address}).json()["users"] == [winner]


def test_an_idempotency_key_used_on_one_instance_replays_on_another(instances: list[httpx.Client]) -> None:
    """A retry on B with A's Idempotency-Key and body gets A's 201 back byte for byte and creates nothing."""
    a, b, _ = instances
    body, headers = {"name": "Ada", "email": email()}, {"Idempotency-Key": uuid.uuid4().hex}
    first = a.post(USERS, json=body, headers=headers)
    retry = b.post(USERS, json=body, headers=headers)
    assert first.status_code == retry.status_code == 201
    assert retry.content == first.content
    assert (retry.headers["Location"], retry.headers["ETag"]) == (first.headers["Location"], '"1"')
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert len(b.get(USERS, params={"email": body["email"]}).json()["users"]) == 1


def test_an_idempotency_key_reused_with_another_body_on_another_instance_is_422(
    instances: list[httpx.Client],
) -> None:
    """A's Idempotency-Key sent to C with a different body is refused with 422 and creates nothing."""
    a, _, c = instances
    key = uuid.uuid4().hex
    assert (
        a.post(USERS, json={"name": "Ada", "email": email()}, headers={"Idempotency-Key": key}).status_code
        == 201
    )
    other = {"name": "Bob", "email": email()}
    reused = c.post(USERS, json=other, headers={"Idempotency-Key": key})
    assert (reused.status_code, reused.json()["status"]) == (422, 422)
    assert c.get(USERS, params={"email": other["email"]}).json()["users"] == []
