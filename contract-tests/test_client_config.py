"""The generated client's configuration: tokens, timeouts and retry policies."""

from __future__ import annotations

import httpx

from people_api_client import AuthenticatedClient, Client, Retries
from people_api_client.api.health import health


def recording_transport(sent: list[httpx.Request]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"status": "ok"})

    return httpx.MockTransport(handle)


def test_authenticated_client_sends_its_token_as_a_bearer_credential() -> None:
    """AuthenticatedClient adds Authorization: Bearer <token>, and keeps it through with_headers."""
    sent: list[httpx.Request] = []
    base = AuthenticatedClient(
        base_url="http://people.test", token="s3cret", httpx_args={"transport": recording_transport(sent)}
    )
    with base.with_headers({"X-Team": "blue"}) as client:
        health.sync_or_raise(client=client)

    assert sent[0].headers["Authorization"] == "Bearer s3cret"
    assert sent[0].headers["X-Team"] == "blue"


def test_plain_client_sends_no_credential() -> None:
    """A Client sends no Authorization header of its own."""
    sent: list[httpx.Request] = []
    with Client(base_url="http://people.test", httpx_args={"transport": recording_transport(sent)}) as client:
        health.sync_or_raise(client=client)

    assert "Authorization" not in sent[0].headers


def test_every_attempt_has_a_ten_second_timeout_by_default() -> None:
    """Without a timeout argument no request can hang forever: each attempt gets 10 seconds."""
    with Client(base_url="http://people.test") as client:
        assert client.get_httpx_client().timeout == httpx.Timeout(10.0)


def test_retries_are_on_by_default_and_can_be_replaced() -> None:
    """Two retries by default; with_retries gives a client with another policy, leaving the first."""
    client = Client(base_url="http://people.test")
    patient = client.with_retries(Retries(max_retries=5))

    assert (client.retries.max_retries, patient.retries.max_retries) == (2, 5)
