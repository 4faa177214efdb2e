"""Schemathesis checks that the server keeps what it acknowledges, not only that it answers in shape.

Schemathesis' own checks judge each response against the spec. A response can be perfectly shaped
and still wrong: a create that answers `"phone": null` for a phone it was sent, a GET that shows an
older version than the write just acknowledged, an ETag that names another version, a deleted record
still listed. These checks send follow-up requests to catch exactly that:

- `what_is_acknowledged_is_stored`: after a 2xx create, replace or update, a GET of the same record
  returns the write's representation, and every field the request sent appears in it as sent (after
  the normalisations the resource declares, as its spec documents them).
- `a_replay_is_the_original`: a 2xx create sent with an Idempotency-Key, sent again with the same key
  and body, answers the same status and body, marked as replayed.
- `etag_agrees_with_the_body`: a record's ETag header equals the `etag` in its body, and a GET with
  If-None-Match set to it answers 304.
- `a_delete_is_a_delete`: after a 2xx DELETE, a GET is 404 and no list filter that matched the record
  (its last representation seen in this run) still lists it.
- `BothCreatePaths`: a run that sent creates must have had some acknowledged with an Idempotency-Key
  and some without; it counts the cases on each path.

The module knows no API: a project declares each resource once with `watch(Resource(...))` (in the
module that schemathesis.toml's `hooks` names), and the checks apply to its operations only. They run
wherever Schemathesis runs checks: `case.call_and_validate()` in process, `st run` against a server,
and every phase including the stateful one. Follow-up requests go through the same transport as the
case (the WSGI app in process, HTTP otherwise) with the case's own credentials, and are not recorded
as cases, so Schemathesis' own checks never see them.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import schemathesis
from schemathesis import Case as GenericCase
from schemathesis import CheckContext, Response

Case = GenericCase[Any]
# Everything a follow-up request carries over from the request it follows: who is asking.
_CREDENTIALS = ("Authorization", "Cookie")
# How many records `a_delete_is_a_delete` remembers; a run longer than this checks the older ones'
# deletes by GET alone.
_REMEMBERED = 50_000


def _identity(value: Any) -> Any:
    return value


@dataclasses.dataclass(frozen=True)
class Resource:
    """One resource of an API, named by its operationIds, and what the spec promises about it."""

    create: str
    get: str
    listing: str
    delete: str
    # Operations that change an existing record and answer its new representation (PUT, PATCH).
    changes: tuple[str, ...]
    # The path parameter naming one record in get, delete and the changes.
    id_parameter: str
    # Where a list page holds its records, and how to ask for the next page.
    items: str
    next_cursor: str
    cursor_parameter: str
    page_size: Mapping[str, int] = dataclasses.field(default_factory=dict)
    id_field: str = "id"
    etag_field: str = "etag"
    # Sent field -> the value the record must then hold, for fields the spec says the server changes
    # (trimming, case folding...). A field not listed must be stored exactly as sent.
    normalised: Mapping[str, Callable[[Any], Any]] = dataclasses.field(default_factory=dict)
    # List query parameter -> the values of it that list a given record (from its representation).
    filters: Mapping[str, Callable[[Mapping[str, Any]], list[Any]]] = dataclasses.field(default_factory=dict)
    idempotency_key: str = "Idempotency-Key"
    replayed: str = "Idempotent-Replayed"

    @property
    def writes(self) -> tuple[str, ...]:
        return (self.create, *self.changes)

    def stored(self, field: str, sent: Any) -> Any:
        """What the record holds for a field sent with this value."""
        return self.normalised.get(field, _identity)(sent)


_RESOURCES: dict[str, Resource] = {}


def watch(resource: Resource) -> Resource:
    """Apply the checks to this resource's operations."""
    for operation_id in (resource.create, resource.get, resource.delete, *resource.changes):
        _RESOURCES[operation_id] = resource
    return resource


def _operation_id(case: Case) -> str | None:
    operation_id: str | None = case.operation.schema.get_operation_id(case.operation)
    return operation_id


def _watched(case: Case, response: Response) -> tuple[Resource, str] | None:
    """The case's resource and operationId, if it is a watched operation that succeeded (sent with the
    operation's own method: Schemathesis also sends an operation's cases with methods it lacks)."""
    operation_id = _operation_id(case)
    resource = _RESOURCES.get(operation_id or "")
    if resource is None or operation_id is None or not 200 <= response.status_code < 300:
        return None
    if case.method.upper() != case.operation.method.upper():
        return None
    return resource, operation_id


def _header(response: Response, name: str) -> str | None:
    values = response.headers.get(name.lower())
    return values[0] if values else None


def _sent_header(response: Response, name: str) -> str | None:
    value = response.request.headers.get(name)
    return value if isinstance(value, str) else None


def _sent_body(response: Response) -> Any:
    """The JSON body the request carried, as sent (None when it carried none or not JSON)."""
    body = response.request.body
    if not isinstance(body, str | bytes) or not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def _representation(response: Response, resource: Resource) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) and resource.id_field in body else None


def _replayed(response: Response, resource: Resource) -> bool:
    return _header(response, resource.replayed) == "true"


def _credentials(response: Response) -> dict[str, str]:
    return {name: value for name in _CREDENTIALS if (value := _sent_header(response, name)) is not None}


def _send(
    case: Case,
    response: Response,
    operation_id: str,
    *,
    path_parameters: dict[str, Any] | None = None,
    query: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    body: Any = None,
    media_type: str | None = None,
) -> Response:
    """A follow-up request to `operation_id`, as the client of `response` would send it: the same
    credentials, the same app or server."""
    operation = case.operation.schema.find_operation_by_id(operation_id)
    extra: dict[str, Any] = {} if body is None else {"body": body, "media_type": media_type}
    probe = operation.Case(
        path_parameters=path_parameters,
        query=query,
        headers={**_credentials(response), **(headers or {})},
        **extra,
    )
    answer: Response = probe.call(**_transport(case, response))
    return answer


def _transport(case: Case, response: Response) -> dict[str, Any]:
    """Where `response` came from: the case's app, or the origin it was fetched from."""
    if case.operation.app is not None:
        return {}
    url = response.request.url or ""
    scheme, _, rest = url.partition("://")
    return {"base_url": f"{scheme}://{rest.split('/', 1)[0]}"}


def _get(case: Case, response: Response, resource: Resource, record_id: str, **headers: str) -> Response:
    return _send(
        case, response, resource.get, path_parameters={resource.id_parameter: record_id}, headers=headers
    )


def _describe(response: Response) -> str:
    request = response.request
    return f"{request.method} {request.url} answered {response.status_code}: {response.text[:500]}"


@schemathesis.check
def what_is_acknowledged_is_stored(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """After a 2xx create, replace or update, a GET returns the write's representation, and every
    field the request sent is in it as sent, after the resource's documented normalisations.

    A replayed create is skipped: it answers what the first request was told, which later writes
    may since have changed.
    """
    watched = _watched(case, response)
    if watched is None or watched[1] not in watched[0].writes:
        return True
    resource = watched[0]
    written = _representation(response, resource)
    if _replayed(response, resource) or written is None:
        return True
    fetched = _get(case, response, resource, str(written[resource.id_field]))
    assert fetched.status_code == 200, f"the record just written is not there: {_describe(fetched)}"
    stored = fetched.json()
    assert stored == written, (
        f"a GET after {case.operation.label} returned another representation than the write's\n"
        f"  write answered: {written}\n  GET returned:   {stored}"
    )
    sent = _sent_body(response)
    if isinstance(sent, dict):
        for field, value in sent.items():
            expected = resource.stored(field, value)
            held = stored.get(field, "<missing>")
            assert held == expected, (
                f"{case.operation.label} was sent {field}={value!r} and answered {response.status_code}, "
                f"but the record holds {field}={held!r} (expected {expected!r})"
            )
    return None


@schemathesis.check
def a_replay_is_the_original(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """A 2xx create with an Idempotency-Key, sent again with the same key, body and credentials,
    answers the same status and body, marked replayed."""
    watched = _watched(case, response)
    if watched is None or watched[1] != watched[0].create:
        return True
    resource = watched[0]
    key = _sent_header(response, resource.idempotency_key)
    sent = _sent_body(response)
    if key is None or sent is None:
        return True
    media_type = _sent_header(response, "Content-Type") or "application/json"
    again = _send(
        case,
        response,
        resource.create,
        headers={resource.idempotency_key: key},
        body=sent,
        media_type=media_type.split(";")[0],
    )
    assert (again.status_code, _json_or_text(again)) == (response.status_code, _json_or_text(response)), (
        f"the same create with Idempotency-Key {key!r} answered differently the second time\n"
        f"  first:  {response.status_code} {response.text[:500]}\n"
        f"  replay: {again.status_code} {again.text[:500]}"
    )
    assert _replayed(again, resource), (
        f"the replay of Idempotency-Key {key!r} is not marked {resource.replayed}: true"
    )
    return None


def _json_or_text(response: Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text


@schemathesis.check
def etag_agrees_with_the_body(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """A 2xx answer holding a record has an ETag header equal to the record's `etag`, and a GET with
    If-None-Match set to it answers 304 (except after a replayed create, whose record may have moved on)."""
    watched = _watched(case, response)
    if watched is None or watched[1] not in (*watched[0].writes, watched[0].get):
        return True
    resource = watched[0]
    record = _representation(response, resource)
    if record is None:
        return True
    header = _header(response, "ETag")
    assert header == record.get(resource.etag_field), (
        f"{case.operation.label}: the ETag header {header!r} differs from the body's "
        f"{resource.etag_field} {record.get(resource.etag_field)!r}"
    )
    if _replayed(response, resource) or header is None:
        return None
    fetched = _get(case, response, resource, str(record[resource.id_field]), **{"If-None-Match": header})
    assert fetched.status_code == 304, (
        f"{case.operation.label} answered ETag {header}, yet a GET with If-None-Match: {header} "
        f"did not answer 304: {_describe(fetched)}"
    )
    return None


class _Seen:
    """The last representation of each record this run saw, bounded, shared by threads."""

    def __init__(self, size: int = _REMEMBERED) -> None:
        self._size = size
        self._records: collections.OrderedDict[str, dict[str, Any]] = collections.OrderedDict()
        self._lock = threading.Lock()

    def remember(self, record_id: str, record: dict[str, Any]) -> None:
        with self._lock:
            self._records[record_id] = record
            self._records.move_to_end(record_id)
            if len(self._records) > self._size:
                self._records.popitem(last=False)

    def last(self, record_id: str) -> dict[str, Any] | None:
        with self._lock:
            return self._records.get(record_id)


_SEEN = _Seen()


@schemathesis.check
def a_delete_is_a_delete(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """After a 2xx DELETE the record is 404, and every list filter that matched it (its last
    representation seen in this run) no longer lists it. Every other answer holding a record is
    remembered for that."""
    watched = _watched(case, response)
    if watched is None:
        return True
    resource, operation_id = watched
    if operation_id != resource.delete:
        record = _representation(response, resource)
        if record is not None and not _replayed(response, resource):
            _SEEN.remember(str(record[resource.id_field]), record)
        return True
    record_id = str(case.path_parameters[resource.id_parameter])
    fetched = _get(case, response, resource, record_id)
    assert fetched.status_code == 404, f"a deleted record is still there: {_describe(fetched)}"
    last = _SEEN.last(record_id)
    if last is None:
        return None
    for query in _matching_queries(resource, last):
        for page in _pages(case, response, resource, query):
            listed = [item for item in page if item.get(resource.id_field) == last[resource.id_field]]
            assert not listed, f"a deleted record is still listed by {resource.listing} {query}: {listed[0]}"
    return None


def _matching_queries(resource: Resource, record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """No filter, each filter alone with every value that matches the record, and all filters at once."""
    queries: list[dict[str, Any]] = [{}]
    for parameter, values in resource.filters.items():
        queries.extend({parameter: value} for value in dict.fromkeys(values(record)))
    if len(resource.filters) > 1:
        queries.append({parameter: spellings(record)[0] for parameter, spellings in resource.filters.items()})
    return queries


def _pages(case: Case, response: Response, resource: Resource, query: dict[str, Any]) -> Iterator[list[Any]]:
    """Every page of the list with this query, first to last."""
    cursor = None
    while True:
        page_query = {**query, **resource.page_size}
        if cursor is not None:
            page_query[resource.cursor_parameter] = cursor
        listed = _send(case, response, resource.listing, query=page_query)
        assert listed.status_code == 200, f"could not list: {_describe(listed)}"
        body = listed.json()
        yield body[resource.items]
        cursor = body.get(resource.next_cursor)
        if cursor is None:
            return


@schemathesis.check
class BothCreatePaths:
    """A run that sent creates had some acknowledged (2xx, replays included) with an Idempotency-Key
    and some without, so both of the server's create paths met the other checks.

    `sent` and `acknowledged` hold, per path ("keyed", "unkeyed"), the ids of the cases that took it.
    """

    def __init__(self) -> None:
        self.sent: dict[str, set[str]] = {"keyed": set(), "unkeyed": set()}
        self.acknowledged: dict[str, set[str]] = {"keyed": set(), "unkeyed": set()}

    def after_response(self, ctx: CheckContext, response: Response, case: Case) -> bool | None:
        resource = _RESOURCES.get(_operation_id(case) or "")
        if resource is None or _operation_id(case) != resource.create:
            return True
        if case.method.upper() != case.operation.method.upper():
            return True
        path = "keyed" if _sent_header(response, resource.idempotency_key) is not None else "unkeyed"
        # Sets, not counters: Schemathesis may run a response's checks again (shrinking, replay).
        self.sent[path].add(case.id)
        if 200 <= response.status_code < 300:
            self.acknowledged[path].add(case.id)
        return None

    def after_run(self, ctx: CheckContext) -> None:
        keyed, unkeyed = (len(self.acknowledged[path]) for path in ("keyed", "unkeyed"))
        if any(self.sent.values()) and not (keyed and unkeyed):
            raise AssertionError(
                f"only one create path was exercised: {keyed} creates acknowledged with an "
                f"Idempotency-Key, {unkeyed} without"
            )
