"""The generated client's typed errors: Problem from sync, a ProblemError subclass per status from
*_or_raise, UnexpectedStatus for anything the API does not document, connection and timeout errors,
all under PeopleApiError and all carrying the request id."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import httpx
import pytest
from conftest import unused_port

from people_api_client import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    Client,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PeopleApiError,
    PermissionDeniedError,
    PreconditionFailedError,
    ProblemError,
    RateLimitError,
    ServiceUnavailableError,
    UnexpectedStatus,
    UnprocessableEntityError,
)
from people_api_client.api.users import create_user, delete_user, get_user, list_users, update_user
from people_api_client.models import Problem, User, UserCreate, UserPatch

NAME_RULE = "Must be 1 to 200 characters once surrounding whitespace is trimmed."


def unique_email() -> str:
    return f"{uuid.uuid4().hex}@example.com"


def answering(status: int, content: bytes, content_type: str, **headers: str) -> Client:
    """A client, retrying nothing, to which every request is answered with this status and body."""
    transport = httpx.MockTransport(
        lambda _: httpx.Response(status, content=content, headers={"Content-Type": content_type, **headers})
    )
    return Client(base_url="http://people.test", retries=0, httpx_args={"transport": transport})


def problem_body(status: int, detail: str = "Something went wrong.") -> bytes:
    phrase = HTTPStatus(status).phrase
    return json.dumps({"type": "about:blank", "title": phrase, "status": status, "detail": detail}).encode()


# Every status people-api documents for some operation, the class it raises, and an operation
# documenting it (with the arguments to call it).
USER_ID = uuid.UUID("5d8e4c1e-1b7e-4d8a-9c3e-6a2f5d4e3c21")
DOCUMENTED: list[tuple[int, type[ProblemError], Callable[..., Any], dict[str, Any]]] = [
    (400, BadRequestError, list_users.sync_or_raise, {}),
    (401, AuthenticationError, list_users.sync_or_raise, {}),
    (403, PermissionDeniedError, list_users.sync_or_raise, {}),
    (404, NotFoundError, get_user.sync_or_raise, {"user_id": USER_ID}),
    (409, ConflictError, update_user.sync_or_raise, {"user_id": USER_ID, "body": UserPatch(name="Ada")}),
    (
        412,
        PreconditionFailedError,
        update_user.sync_or_raise,
        {"user_id": USER_ID, "body": UserPatch(name="A")},
    ),
    (413, ProblemError, update_user.sync_or_raise, {"user_id": USER_ID, "body": UserPatch(name="Ada")}),
    (
        422,
        UnprocessableEntityError,
        create_user.sync_or_raise,
        {"body": UserCreate(name="A", email="a@x.io")},
    ),
    (429, RateLimitError, list_users.sync_or_raise, {}),
    (500, InternalServerError, list_users.sync_or_raise, {}),
    (503, ServiceUnavailableError, list_users.sync_or_raise, {}),
]


def test_sync_returns_a_documented_problem(api_client: Client) -> None:
    """sync answers a documented error with a typed Problem, as the generator always did."""
    answer = get_user.sync(uuid.uuid4(), client=api_client)

    assert isinstance(answer, Problem)
    assert (answer.status, answer.title) == (404, "Not Found")


def test_or_raise_returns_the_success_model(api_client: Client) -> None:
    """create_user.sync_or_raise returns the User itself, typed, with no union to unpick."""
    user = create_user.sync_or_raise(client=api_client, body=UserCreate(name="Ada", email=unique_email()))

    assert isinstance(user, User)
    assert user.etag == '"1"'


def test_problem_error_carries_status_title_detail_and_field_errors(api_client: Client) -> None:
    """A 400 raised by sync_or_raise says what was wrong with which field, in the API's words."""
    with pytest.raises(ProblemError) as raised:
        create_user.sync_or_raise(client=api_client, body=UserCreate(name=" ", email="nope"))

    error = raised.value
    assert (error.status, error.title, error.detail) == (
        400,
        "Bad Request",
        "The request is not valid; see errors.",
    )
    assert error.errors["name"] == [NAME_RULE]
    assert set(error.errors) == {"email", "name"}
    assert NAME_RULE in str(error)


def test_problem_error_keeps_the_problem_and_the_headers(api_client: Client) -> None:
    """The raised error holds the parsed Problem and the response headers."""
    user = create_user.sync_or_raise(client=api_client, body=UserCreate(name="Ada", email=unique_email()))
    with pytest.raises(ProblemError) as raised:
        update_user.sync_or_raise(user.id, client=api_client, body=UserPatch(name="Lin"), if_match='"9"')

    assert isinstance(raised.value.problem, Problem)
    assert (raised.value.status, raised.value.errors) == (412, {})
    assert raised.value.headers["Content-Type"] == "application/problem+json"


def test_delete_or_raise_succeeds_then_raises_for_a_second_delete(api_client: Client) -> None:
    """delete_user.sync_or_raise returns quietly for the 204; a second delete raises the 404."""
    user = create_user.sync_or_raise(client=api_client, body=UserCreate(name="Ada", email=unique_email()))

    delete_user.sync_or_raise(user.id, client=api_client, if_match=user.etag)
    with pytest.raises(ProblemError, match=r"^404 Not Found"):
        delete_user.sync_or_raise(user.id, client=api_client)


def test_asyncio_or_raise_raises_the_problem_too(server: str) -> None:
    """The async variant raises the same ProblemError."""

    async def fetch() -> None:
        async with Client(base_url=server) as client:
            await get_user.asyncio_or_raise(uuid.uuid4(), client=client)

    with pytest.raises(ProblemError) as raised:
        asyncio.run(fetch())
    assert raised.value.status == 404


@pytest.mark.parametrize("call", ["sync", "sync_detailed", "sync_or_raise"])
def test_an_undocumented_status_raises_unexpected_status(call: str) -> None:
    """A proxy's 502 page is never passed off as None: every variant raises UnexpectedStatus."""
    client = answering(502, b"<html>Bad Gateway</html>", "text/html")

    with pytest.raises(UnexpectedStatus) as raised:
        getattr(list_users, call)(client=client)
    assert (raised.value.status_code, raised.value.content) == (502, b"<html>Bad Gateway</html>")


def test_get_user_answers_none_only_for_not_modified(api_client: Client) -> None:
    """get_user's None means 304: the etag given in if_none_match is still current."""
    user = create_user.sync_or_raise(client=api_client, body=UserCreate(name="Ada", email=unique_email()))

    assert get_user.sync_or_raise(user.id, client=api_client, if_none_match=user.etag) is None
    assert get_user.sync_or_raise(user.id, client=api_client, if_none_match='"0"') == user


@pytest.mark.parametrize(
    ("status", "kind", "call", "arguments"), DOCUMENTED, ids=[str(row[0]) for row in DOCUMENTED]
)
def test_or_raise_raises_the_class_the_status_names(
    status: int, kind: type[ProblemError], call: Callable[..., Any], arguments: dict[str, Any]
) -> None:
    """Each documented error status raises its own class (ProblemError itself for one without a
    class, such as 413), so callers catch NotFoundError rather than test `e.status == 404`."""
    client = answering(status, problem_body(status), "application/problem+json")

    with pytest.raises(ProblemError) as raised:
        call(client=client, **arguments)

    assert type(raised.value) is kind
    assert raised.value.status == status


def test_every_error_class_is_a_people_api_error() -> None:
    """One `except PeopleApiError` catches every exception the client raises; the per-status classes
    are ProblemErrors, so code catching ProblemError keeps working."""
    statuses = [kind for _, kind, _, _ in DOCUMENTED]
    assert all(issubclass(kind, ProblemError) for kind in statuses)
    others = [ProblemError, UnexpectedStatus, APIConnectionError, APITimeoutError]
    assert all(issubclass(kind, PeopleApiError) for kind in others)
    assert issubclass(APITimeoutError, APIConnectionError)


def test_not_found_carries_status_headers_body_and_the_servers_request_id(api_client: Client) -> None:
    """A 404 from the server: the error holds what an operator needs, and says it in str(e)."""
    with pytest.raises(NotFoundError) as raised:
        get_user.sync_or_raise(USER_ID, client=api_client, x_request_id="find-the-missing-user")

    error = raised.value
    assert (error.status, error.request_id) == (404, "find-the-missing-user")
    assert error.headers["X-Request-ID"] == "find-the-missing-user"
    assert json.loads(error.body)["status"] == 404
    assert str(error) == f"404 Not Found: {error.detail} (request id find-the-missing-user)"
    assert str(USER_ID) in error.detail


@pytest.mark.parametrize(
    "body",
    [b"<html><body>503 Service Temporarily Unavailable</body></html>", b"", b'{"type": "about:blank", "tit'],
    ids=["html", "empty", "truncated-json"],
)
def test_a_proxy_page_for_a_documented_status_is_still_its_class(body: bytes) -> None:
    """A 503 whose body is not a problem (a proxy's page) raises ServiceUnavailableError with a
    problem made from the status, and the page in `body`."""
    client = answering(503, body, "text/html")

    with pytest.raises(ServiceUnavailableError) as raised:
        list_users.sync_or_raise(client=client)

    error = raised.value
    assert (error.status, error.title, error.body) == (503, "Service Unavailable", body)
    assert error.detail.startswith("The answer is not a problem document")


@pytest.mark.parametrize("call", ["sync", "sync_detailed"])
def test_sync_returns_a_problem_made_from_a_proxy_page(call: str) -> None:
    """sync and sync_detailed type a proxy's HTML 500 as the documented Problem, never JSONDecodeError."""
    client = answering(500, b"<h1>Internal Server Error</h1>", "text/html")

    answer = getattr(list_users, call)(client=client)

    problem = answer if call == "sync" else answer.parsed
    assert isinstance(problem, Problem)
    assert (problem.status, problem.title) == (500, "Internal Server Error")
    assert "<h1>Internal Server Error</h1>" in problem.detail


BODIES = {
    "html": (b"<html><body>Bad things</body></html>", "text/html"),
    "text": (b"upstream connect error or disconnect/reset before headers", "text/plain"),
    "empty": (b"", "application/json"),
    "truncated-json": (b'{"users": [{"id": "5d8e', "application/json"),
    "problem": (b"", "application/problem+json"),  # the body is filled in with the status's problem
}


@pytest.mark.parametrize("call", ["sync", "sync_detailed", "sync_or_raise"])
@pytest.mark.parametrize("body", BODIES)
def test_any_status_and_body_ends_in_a_typed_result_or_a_people_api_error(call: str, body: str) -> None:
    """Every status from 200 to 599, standard or not (499, 520), with any body: a typed result or a
    PeopleApiError carrying the status and the request id; never ValueError or JSONDecodeError."""
    content, content_type = BODIES[body]
    answer: dict[str, Any] = {}

    def handle(_: httpx.Request) -> httpx.Response:
        return httpx.Response(
            answer["status"], content=answer["content"], headers={"Content-Type": content_type}
        )

    client = Client(
        base_url="http://people.test", retries=0, httpx_args={"transport": httpx.MockTransport(handle)}
    )
    escaped: list[str] = []
    for status in range(200, 600):
        answer["status"], answer["content"] = status, content
        if body == "problem" and status >= 400:
            answer["content"] = json.dumps(
                {"type": "about:blank", "title": "X", "status": status, "detail": "d"}
            )
        try:
            getattr(list_users, call)(client=client)
        except PeopleApiError as error:
            if error.status != status or not error.request_id:
                escaped.append(
                    f"{status}: {type(error).__name__} with status {error.status}, id {error.request_id}"
                )
        except Exception as error:  # the test is that nothing else escapes
            escaped.append(f"{status}: {type(error).__name__}: {error}")

    assert escaped == []


def test_unexpected_status_carries_the_request_id_and_the_page() -> None:
    """A gateway's 502 page: UnexpectedStatus with status, headers, body and request id, which str(e)
    shows; status_code and content stay for code written against upstream's clients."""
    client = answering(502, b"<html>Bad Gateway</html>", "text/html", **{"X-Request-ID": "gw-7"})

    with pytest.raises(UnexpectedStatus) as raised:
        list_users.sync(client=client)

    error = raised.value
    assert (error.status, error.status_code, error.request_id) == (502, 502, "gw-7")
    assert error.body == error.content == b"<html>Bad Gateway</html>"
    assert error.headers["Content-Type"] == "text/html"
    assert str(error).startswith("Unexpected status code: 502 Bad Gateway (request id gw-7)")


def test_unreachable_server_raises_api_connection_error_wrapping_httpx() -> None:
    """No server: APIConnectionError with the id of the last attempt, httpx's ConnectError as its
    cause; it is still an httpx.TransportError for code that catches those."""
    nowhere = f"http://127.0.0.1:{unused_port()}"
    with Client(base_url=nowhere, retries=0) as client, pytest.raises(APIConnectionError) as raised:
        list_users.sync(client=client, x_request_id="no-server-here")

    error = raised.value
    assert isinstance(error.__cause__, httpx.ConnectError)
    assert isinstance(error, httpx.TransportError)
    assert (error.status, error.request_id, error.body) == (None, "no-server-here", b"")
    assert str(error).endswith("(request id no-server-here)")


def test_an_attempt_longer_than_the_timeout_raises_api_timeout_error(silent_server: str) -> None:
    """A server that accepts and never answers: APITimeoutError (an httpx.TimeoutException too)."""
    with (
        Client(base_url=silent_server, timeout=0.2, retries=0) as client,
        pytest.raises(APITimeoutError) as raised,
    ):
        list_users.sync(client=client)

    assert isinstance(raised.value.__cause__, httpx.ReadTimeout)
    assert isinstance(raised.value, httpx.TimeoutException)
    assert raised.value.request_id


def test_the_request_id_is_the_failed_attempts(waits: list[float]) -> None:
    """After a retried 503, the 404 that ends the call names the second attempt's id, not the first's."""
    sent: list[httpx.Request] = []
    answers = [(503, b""), (404, problem_body(404))]

    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        status, content = answers.pop(0)
        return httpx.Response(status, content=content, headers={"Content-Type": "application/problem+json"})

    client = Client(base_url="http://people.test", httpx_args={"transport": httpx.MockTransport(handle)})
    with pytest.raises(NotFoundError) as raised:
        get_user.sync_or_raise(USER_ID, client=client)

    first, second = (request.headers["X-Request-ID"] for request in sent)
    assert raised.value.request_id == second != first
