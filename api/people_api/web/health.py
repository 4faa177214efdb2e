"""Liveness and readiness, for load balancers and orchestrators."""

from __future__ import annotations

from typing import Any

import flask
import marshmallow as ma
from werkzeug.exceptions import ServiceUnavailable

from people_api.storage import migrations
from people_api.web.errors import RETRY_AFTER_SECONDS
from people_api.web.smorest import PeopleBlueprint

blp = PeopleBlueprint("health", __name__, description="Liveness and readiness probes.")
# The liveness probe's path: admission.py lets it past the turn, since it touches nothing a request holds.
LIVENESS_PATH = "/healthz"


class HealthSchema(ma.Schema):
    """A probe's verdict."""

    status = ma.fields.String(
        required=True, metadata={"example": "ok", "maxLength": 5, "pattern": "^(ok|ready)$"}
    )


@blp.route(LIVENESS_PATH, methods=["GET"])
@blp.doc(operationId="health")
@blp.response(200, HealthSchema, example={"status": "ok"})
def health() -> Any:
    """Answer while the process can serve HTTP, whatever the database's state."""
    return {"status": "ok"}


@blp.route("/readyz", methods=["GET"])
@blp.doc(operationId="readiness")
@blp.response(200, HealthSchema, example={"status": "ready"})
@blp.documents_unavailable()
def readiness() -> Any:
    """Answer 200 only while the database answers and is migrated; on 503, out of rotation."""
    try:
        # Reading the schema's revision is the query that shows the database answers, too.
        migrations.require_current(flask.current_app.extensions["people_api.engine"])
    except migrations.NotMigrated as error:
        raise ServiceUnavailable(str(error), retry_after=RETRY_AFTER_SECONDS) from None
    return {"status": "ready"}
