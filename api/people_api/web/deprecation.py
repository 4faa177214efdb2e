"""Deprecated operations: `deprecated: true` (and `x-sunset`, the planned end) in the spec, and on
every response of the operation the `Deprecation` header (RFC 9745, `@<epoch seconds>`) and, once an
end is set, `Sunset` (RFC 8594, an HTTP-date). A deprecated field is marked in its schema instead
(`metadata={"deprecated": True}`): the spec and the changelog say so."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from email.utils import format_datetime
from typing import Any, TypeVar

import flask

View = TypeVar("View", bound=Callable[..., Any])
# The planned end of a deprecated operation in the spec, an ISO date; the changelog reads it too.
SUNSET = "x-sunset"
_MARK = "_people_api_deprecation"


@dataclass(frozen=True)
class Deprecation:
    """Since when an operation is deprecated, and when it is planned to go (if known)."""

    since: date
    sunset: date | None = None

    def headers(self) -> dict[str, str]:
        midnight = datetime.combine(self.since, time(), UTC)
        found = {"Deprecation": f"@{int(midnight.timestamp())}"}
        if self.sunset is not None:
            found["Sunset"] = format_datetime(datetime.combine(self.sunset, time(), UTC), usegmt=True)
        return found


def deprecated(blp: Any, *, since: date, sunset: date | None = None) -> Callable[[View], View]:
    """Mark a view of `blp` deprecated, in the spec and in its responses' headers."""
    doc: dict[str, Any] = {"deprecated": True}
    if sunset is not None:
        doc[SUNSET] = sunset.isoformat()

    def mark(view: View) -> View:
        setattr(view, _MARK, Deprecation(since, sunset))
        if not getattr(blp, _MARK, False):
            # Only the requests of a blueprint with a deprecated operation pay for the lookup.
            blp.after_request(announce)
            setattr(blp, _MARK, True)
        marked: View = blp.doc(**doc)(view)
        return marked

    return mark


def announce(response: flask.Response) -> flask.Response:
    """Add the headers to every response, errors included, of an operation marked deprecated (a
    blueprint's after_request, once it has one)."""
    view = flask.current_app.view_functions.get(flask.request.endpoint or "")
    handler = getattr(getattr(view, "view_class", None), flask.request.method.lower(), view)
    marker: Deprecation | None = getattr(handler, _MARK, None)
    if marker is not None:
        response.headers.update(marker.headers())
    return response
