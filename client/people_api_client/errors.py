"""The exceptions the API functions raise."""

from collections.abc import Mapping

from .models.problem import Problem


class UnexpectedStatus(Exception):
    """The server answered with a status this operation does not document, such as a proxy's error page.

    Always raised: an answer the client cannot type is never passed off as None.
    """

    def __init__(self, status_code: int, content: bytes):
        self.status_code = status_code
        self.content = content

        super().__init__(
            f"Unexpected status code: {status_code}\n\nResponse content:\n{content.decode(errors='ignore')}"
        )


class ProblemError(Exception):
    """A documented error answer (an RFC 9457 problem), raised by the `*_or_raise` functions.

    Attributes:
        status: the HTTP status, such as 404.
        title: the status phrase, such as "Not Found".
        detail: what went wrong, for a person.
        errors: for a 400, the messages for each offending field, such as {"name": ["..."]}; else empty.
        problem: the parsed `Problem` itself.
        headers: the response headers (Retry-After on a 503, for example).
    """

    def __init__(self, problem: Problem, headers: Mapping[str, str] | None = None):
        self.problem = problem
        self.status = problem.status
        self.title = problem.title
        self.detail = problem.detail
        self.errors: dict[str, list[str]] = dict(problem.errors.additional_properties) if problem.errors else {}
        self.headers: Mapping[str, str] = headers or {}
        fields = "".join(f"\n  {name}: {' '.join(messages)}" for name, messages in self.errors.items())
        super().__init__(f"{self.status} {self.title}: {self.detail}{fields}")


__all__ = ["ProblemError", "UnexpectedStatus"]
