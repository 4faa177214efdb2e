"""What every operation may answer whatever its view says: documented once, by walking the operations.

- 500: any operation, should the server fail unexpectedly (a problem, never a stack trace);
- 414 and 431: any operation, for a URL or header fields over the bounds every request is held to
  (hygiene.py);
- 429 with Retry-After, and the RateLimit and RateLimit-Policy fields on every response, for the
  rate-limited operations under /people/v1/ (ratelimit.py);
- Access-Control-Allow-Origin on every response, for origins PEOPLE_API_CORS_ORIGINS allows (hygiene.py).
"""

from __future__ import annotations

from typing import Any

from apispec import APISpec, BasePlugin

from people_api.config import API_PREFIX, MAX_RATE_LIMIT_WINDOW
from people_api.web.errors import PROBLEM, ProblemSchema
from people_api.web.hygiene import MAX_HEADER_BYTES, MAX_URL_BYTES

DRAFT = "draft-ietf-httpapi-ratelimit-headers-10"
_NAME = r'"[0-9a-z-]+"'


def _sf_list(item: str) -> str:
    """A pattern for a Structured Field list of `item`s, as this server writes it."""
    return f"^{item}(, {item})*$"


HEADERS: dict[str, dict[str, Any]] = {
    "RateLimit": {
        "description": (
            f"The client's remaining quota under each policy this request counted against ({DRAFT}): "
            "`r` requests left, `t` seconds until the window starts again. "
            "Sent on /people/v1 responses while rate limits are configured (PEOPLE_API_RATE_LIMIT)."
        ),
        "schema": {
            "type": "string",
            "maxLength": 512,
            "pattern": _sf_list(f"{_NAME};r=[0-9]+;t=[0-9]+"),
            "example": '"100-per-1-second";r=99;t=1, "5000-per-1-minute";r=4999;t=60',
        },
    },
    "RateLimit-Policy": {
        "description": (
            f"The quota policies that apply to this client ({DRAFT}): `q` requests per window of "
            "`w` seconds, counted per API key (per client address without one). "
            "Sent on /people/v1 responses while rate limits are configured (PEOPLE_API_RATE_LIMIT)."
        ),
        "schema": {
            "type": "string",
            "maxLength": 512,
            "pattern": _sf_list(f"{_NAME};q=[0-9]+;w=[0-9]+"),
            "example": '"100-per-1-second";q=100;w=1, "5000-per-1-minute";q=5000;w=60',
        },
    },
    "Access-Control-Allow-Origin": {
        "description": (
            "The request's Origin, or `*`, when PEOPLE_API_CORS_ORIGINS allows it; absent otherwise "
            "(CORS is off unless configured)."
        ),
        "schema": {
            "type": "string",
            "maxLength": 300,
            "pattern": r"^(\*|[A-Za-z][A-Za-z0-9+.-]*://[A-Za-z0-9.-]+(:[0-9]+)?)$",
            "example": "https://app.example.com",
        },
    },
}
RETRY_AFTER = {
    "description": "Seconds until the exhausted quota starts again.",
    "required": True,
    "schema": {"type": "integer", "format": "int32", "minimum": 1, "maximum": MAX_RATE_LIMIT_WINDOW},
}


# Past the server's own read limits (a 64 KiB request target; a 408 KiB head or 100 fields) the
# same statuses come from the HTTP server, with an empty body.
URI_TOO_LONG = (
    f"The URL's path and query are longer than {MAX_URL_BYTES} bytes. (Past 64 KiB the HTTP server "
    "answers itself, with an empty body.)"
)
FIELDS_TOO_LARGE = (
    f"The request's header fields are longer than {MAX_HEADER_BYTES} bytes in all. (Past 408 KiB or "
    "100 fields the HTTP server answers itself, with an empty body.)"
)


class SharedResponses(BasePlugin):
    """apispec plugin adding the shared responses and headers to each operation as it is registered."""

    spec: APISpec

    def init_spec(self, spec: APISpec) -> None:
        self.spec = spec
        # Named now, so the 429s and 500s of the first paths can point at it like every later problem
        # (unless a plugin before this one already documented a problem, which names it the same).
        if "Problem" not in spec.components.schemas:
            spec.components.schema("Problem", schema=ProblemSchema)
        for name, header in HEADERS.items():
            spec.components.header(name, header, lazy=True)

    def operation_helper(
        self, path: str | None = None, operations: dict[str, Any] | None = None, **_kwargs: Any
    ) -> None:
        limited = (path or "").startswith(API_PREFIX)
        headers = ["Access-Control-Allow-Origin", *(["RateLimit", "RateLimit-Policy"] if limited else [])]
        for operation in (operations or {}).values():
            responses: dict[int | str, Any] = operation.setdefault("responses", {})
            if limited:
                self._add(
                    responses, 429, "Over the rate limit: retry after Retry-After seconds.", RETRY_AFTER
                )
            self._add(responses, 414, URI_TOO_LONG)
            self._add(responses, 431, FIELDS_TOO_LARGE)
            self._add(responses, 500, "An unexpected failure; the problem holds no internals. Report it.")
            for response in responses.values():
                if isinstance(response, str):  # a shared component response, such as smorest's 400
                    self.spec.components.get_ref("response", response)
                    response = self.spec.components.responses[response]
                documented = response.setdefault("headers", {})
                for name in headers:
                    documented[name] = self.spec.components.get_ref("header", name)

    def _add(
        self,
        responses: dict[int | str, Any],
        status: int,
        description: str,
        retry_after: dict[str, Any] | None = None,
    ) -> None:
        if status in responses or str(status) in responses:
            return  # the view documents it itself
        responses[status] = {
            "description": description,
            "content": {PROBLEM: {"schema": self.spec.components.get_ref("schema", "Problem")}},
            "headers": {"Retry-After": retry_after} if retry_after else {},
        }
