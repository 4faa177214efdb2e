"""Reading requests: the webargs parser behind every `@blp.arguments`, with this API's statuses."""

from __future__ import annotations

import json
from typing import Any

import flask
import marshmallow as ma
from webargs import core
from webargs.flaskparser import FlaskParser, abort

# Media types a request body may use; anything else is 415. PATCH also takes a merge patch.
JSON_TYPES = frozenset({"application/json"})
PATCH_TYPES = JSON_TYPES | {"application/merge-patch+json"}


class RequestParser(FlaskParser):
    """Answers 400 (not webargs' 422) for bad input and 415 for a body that is not JSON.

    It stops a request the way webargs does, with `abort(status, message=..., messages=...)`;
    errors.render_http_exception turns that into problem+json.
    """

    DEFAULT_VALIDATION_STATUS = 400

    def load_json(self, req: flask.Request, schema: ma.Schema) -> Any:
        """The body as JSON, judged strictly: the declared media type first, then the syntax."""
        accepted = PATCH_TYPES if req.method == "PATCH" else JSON_TYPES
        if req.mimetype not in accepted:
            types = " or ".join(sorted(accepted, reverse=True))
            abort(415, message=f"The request body must be JSON (Content-Type: {types}).")
        raw = req.get_data(cache=True)
        if not raw:
            return core.missing
        try:
            return json.loads(raw.decode("utf-8"))
        # ValueError covers bad syntax, bad UTF-8 and over-long integers;
        # RecursionError covers absurdly deep nesting.
        except (ValueError, RecursionError):
            abort(
                400, message="The request body is not valid JSON.", messages={"json": ["Invalid JSON body."]}
            )
