"""Every exception the client raises: one base, `PeopleApiError`, and a class per kind of failure."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus

import httpx

from .models.problem import Problem

REQUEST_ID = "X-Request-ID"
# How much of an unexpected body an error message quotes; the whole body stays in `body`.
QUOTED_BODY = 500


def status_phrase(status: int) -> str:
    """The reason phrase of a standard status ("Not Found"), or "" for a non-standard one (520)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def request_id_of(response: httpx.Response) -> str | None:
    """The id the server gave the request (its echo of X-Request-ID), else the one the client sent."""
    echoed: str | None = response.headers.get(REQUEST_ID)
    if echoed is not None:
        return echoed
    try:
        sent: str | None = response.request.headers.get(REQUEST_ID)
    except RuntimeError:  # a Response made by hand, with no request
        return None
    return sent


class PeopleApiError(Exception):
    """The base of every exception a call raises: `except PeopleApiError` catches them all.

    Attributes:
        status: the HTTP status of the answer, or None when no answer came (connection, timeout).
        headers: the answer's headers (empty when none came).
        body: the answer's body as bytes (b"" when none came).
        request_id: the X-Request-ID of the attempt that failed: the server's echo when it answered,
            else the one the client sent. Quote it to whoever runs the server.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message: str = message
        self._status: int | None = status
        self.headers: Mapping[str, str] = headers if headers is not None else {}
        self.body: bytes = body
        self.request_id: str | None = request_id

    @property
    def status(self) -> int | None:
        """The HTTP status of the answer, or None when no answer came."""
        return self._status

    def __str__(self) -> str:
        suffix = f" (request id {self.request_id})" if self.request_id else ""
        first, newline, rest = self.message.partition("\n")
        return f"{first}{suffix}{newline}{rest}"


class ProblemError(PeopleApiError):
    """The API answered with an error status it documents for the operation: an RFC 9457 problem.

    Raised by the `*_or_raise` functions (`sync` returns the `Problem` instead). Its class names the
    status (`NotFoundError` for a 404, ...); a status without a class of its own raises
    `ProblemError` itself. A proxy's page in place of a problem (an HTML 503) raises the same class,
    with a `problem` made from the status and the page's text.

    Attributes:
        status: the HTTP status, such as 404.
        title: the status phrase, such as "Not Found".
        detail: what went wrong, for a person.
        errors: for a 400, the messages for each offending field, such as {"name": ["..."]}; else empty.
        problem: the parsed `Problem` itself.
        headers, body, request_id: as for every `PeopleApiError`.
    """

    def __init__(
        self,
        problem: Problem,
        headers: Mapping[str, str] | None = None,
        *,
        body: bytes = b"",
        request_id: str | None = None,
    ) -> None:
        self.problem: Problem = problem
        self.title: str = problem.title
        self.detail: str = problem.detail
        self.errors: dict[str, list[str]] = dict(problem.errors.additional_properties) if problem.errors else {}
        fields = "".join(f"\n  {name}: {' '.join(messages)}" for name, messages in self.errors.items())
        super().__init__(
            f"{problem.status} {problem.title}: {problem.detail}{fields}",
            status=problem.status,
            headers=headers,
            body=body,
            request_id=request_id,
        )

    @property
    def status(self) -> int:
        """The HTTP status, such as 404."""
        return self.problem.status


class BadRequestError(ProblemError):
    """400: the request is not valid; `errors` names each offending field."""


class AuthenticationError(ProblemError):
    """401: no API key was sent, or the key is unknown or revoked."""


class PermissionDeniedError(ProblemError):
    """403: the API key lacks the scope the operation needs (or the server answers only local clients)."""


class NotFoundError(ProblemError):
    """404: no such user."""


class ConflictError(ProblemError):
    """409: another user has this email address."""


class PreconditionFailedError(ProblemError):
    """412: the user has changed since the version named in `if_match`."""


class UnprocessableEntityError(ProblemError):
    """422: the Idempotency-Key was used before with a different body."""


class RateLimitError(ProblemError):
    """429: too many requests; `headers["Retry-After"]` says when to come back."""


class InternalServerError(ProblemError):
    """500: the server failed."""


class ServiceUnavailableError(ProblemError):
    """503: the server cannot answer now (its database is unreachable, it is shutting down)."""


STATUS_ERRORS: dict[int, type[ProblemError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    412: PreconditionFailedError,
    422: UnprocessableEntityError,
    429: RateLimitError,
    500: InternalServerError,
    503: ServiceUnavailableError,
}


def quoted(body: bytes) -> str:
    """The start of a body as text, for a message."""
    text = body.decode("utf-8", errors="replace").strip()
    return text if len(text) <= QUOTED_BODY else text[:QUOTED_BODY] + " [...]"


class UnexpectedStatus(PeopleApiError):
    """An answer the operation does not document, so the client cannot type it: a status it does not
    list (a gateway's 502 or 504 page, a CDN's 520), or a listed success status whose body is not
    the documented one (a captive portal's HTML 200, a truncated JSON body).

    Attributes:
        status_code, content: the same as `status` and `body`, under the names upstream's
            generated clients use.
        headers, request_id: as for every `PeopleApiError`.
    """

    def __init__(
        self,
        status_code: int,
        content: bytes,
        *,
        headers: Mapping[str, str] | None = None,
        request_id: str | None = None,
        reason: str | None = None,
    ) -> None:
        phrase = status_phrase(status_code)
        summary = f"Unexpected status code: {status_code}{' ' + phrase if phrase else ''}"
        if reason:
            summary = f"{summary}: {reason}"
        super().__init__(
            f"{summary}\n\nResponse content:\n{quoted(content)}",
            status=status_code,
            headers=headers,
            body=content,
            request_id=request_id,
        )

    @property
    def status(self) -> int:
        """The HTTP status of the answer."""
        return self.status_code

    @property
    def status_code(self) -> int:
        """The HTTP status of the answer."""
        status = self._status
        assert status is not None
        return status

    @property
    def content(self) -> bytes:
        """The body of the answer."""
        return self.body


class APIConnectionError(PeopleApiError, httpx.TransportError):
    """No answer came: the server could not be reached, or the connection broke, after the client's
    retries. The httpx exception is `__cause__`. It is also an `httpx.TransportError`, so code written
    against httpx's exceptions keeps working."""

    def __init__(self, message: str, *, request: httpx.Request, request_id: str | None = None) -> None:
        PeopleApiError.__init__(self, message, request_id=request_id)
        self._request = request


class APITimeoutError(APIConnectionError, httpx.TimeoutException):
    """An attempt took longer than its timeout (connect, read, write, or waiting for a connection),
    after the client's retries. Also an `httpx.TimeoutException`."""


def connection_error(error: httpx.RequestError, request: httpx.Request) -> APIConnectionError:
    """The exception to raise for `error`, met sending `request`; raise it `from error`."""
    kind = APITimeoutError if isinstance(error, httpx.TimeoutException) else APIConnectionError
    what = "timed out" if kind is APITimeoutError else "failed"
    message = f"{request.method} {request.url} {what}: {type(error).__name__}: {error}"
    return kind(message, request=request, request_id=request.headers.get(REQUEST_ID))


__all__ = [
    "APIConnectionError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "InternalServerError",
    "NotFoundError",
    "PeopleApiError",
    "PermissionDeniedError",
    "PreconditionFailedError",
    "ProblemError",
    "RateLimitError",
    "ServiceUnavailableError",
    "UnexpectedStatus",
    "UnprocessableEntityError",
]
