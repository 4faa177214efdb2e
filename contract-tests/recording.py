"""Which documented (operationId, status) pairs the contract tests have produced."""

from __future__ import annotations

import re
from typing import Any

import httpx

HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Every operation object in the spec (path items also hold `parameters`)."""
    return [
        operation
        for path_item in spec["paths"].values()
        for method, operation in path_item.items()
        if method in HTTP_METHODS
    ]


# Documented so clients know its shape, but a test producing it would have found a defect.
NEVER_PRODUCED = frozenset({"500"})


def documented_statuses(spec: dict[str, Any]) -> set[tuple[str, str]]:
    """Every (operationId, status) the spec says an operation can answer, but a 500."""
    return {
        (operation["operationId"], status)
        for operation in operations(spec)
        for status in operation["responses"]
        if status not in NEVER_PRODUCED
    }


class StatusRecorder:
    """Maps each response the client saw back to its operationId and remembers the status."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.seen: set[tuple[str, str]] = set()
        self._routes: list[tuple[str, re.Pattern[str], str]] = []
        for path, operations in spec["paths"].items():
            pattern = re.compile("^" + re.sub(r"\\{[^/]+\\}", "[^/]+", re.escape(path)) + "$")
            for method, operation in operations.items():
                if method not in HTTP_METHODS:
                    continue
                self._routes.append((method.upper(), pattern, operation["operationId"]))

    def record(self, response: httpx.Response) -> None:
        request = response.request
        for method, pattern, operation_id in self._routes:
            if request.method == method and pattern.match(request.url.path):
                self.seen.add((operation_id, str(response.status_code)))
                return
