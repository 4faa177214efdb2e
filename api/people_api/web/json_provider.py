"""The app's JSON encoding: Flask's own rules, with orjson doing the work.

Every response body of the API passes through here (`jsonify`, and so each flask-smorest response),
so encoding is on every request's path: orjson takes a third of the standard library's time for a
page of users (bench/report.md). Request bodies are still read by the standard library
(people_api.web.parsing), whose notion of valid JSON the API's 400s are built on.
"""

from __future__ import annotations

from typing import Any

import flask
import orjson
from flask.json.provider import DefaultJSONProvider

# As Flask writes JSON, keys sorted, dates and dataclasses handed to Flask's `default` (HTTP dates)
# rather than orjson's own rendering; the one difference is that text beyond ASCII is written as
# UTF-8, not as \u escapes (the same JSON).
_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


class OrjsonProvider(DefaultJSONProvider):
    """Flask's DefaultJSONProvider, encoding with orjson."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return self._encode(obj).decode()

    def response(self, *args: Any, **kwargs: Any) -> flask.Response:
        body = self._encode(self._prepare_response_obj(args, kwargs)) + b"\n"
        return flask.Response(body, mimetype=self.mimetype)

    def _encode(self, obj: Any) -> bytes:
        return orjson.dumps(obj, default=self.default, option=_OPTIONS)
