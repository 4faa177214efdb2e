"""What a page may not do in these tests: send a request off this machine, or throw."""

from __future__ import annotations

import dataclasses
from urllib.parse import urlsplit

from playwright.sync_api import Route

NETWORK_SCHEMES = {"http", "https", "ws", "wss"}
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclasses.dataclass
class Guard:
    """What a page did that it must not: requests off this machine (aborted) and uncaught errors."""

    outside: list[str] = dataclasses.field(default_factory=list)
    errors: list[str] = dataclasses.field(default_factory=list)

    def route(self, route: Route) -> None:
        """Let loopback, file:, data: and blob: requests through; abort and record the rest."""
        url = urlsplit(route.request.url)
        if url.scheme in NETWORK_SCHEMES and url.hostname not in LOOPBACK:
            self.outside.append(route.request.url)
            route.abort("blockedbyclient")
        else:
            route.continue_()
