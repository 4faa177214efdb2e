"""The WSGI app: `create_app` wires the request pipeline, in order."""

from __future__ import annotations

from typing import Any

import flask

from people_api.config import API_VERSION, MAX_BODY_BYTES, Settings
from people_api.storage import engines
from people_api.web import errors
from people_api.web.smorest import PeopleApi


class _App(flask.Flask):
    """Flask, minus a check it repeats about 17 times a request: this app has no async views or
    hooks, so none needs wrapping to run (`inspect.iscoroutinefunction` was 4 % of a GET's profile)."""

    def ensure_sync(self, func: Any) -> Any:
        return func


def create_app(settings: Settings | None = None) -> flask.Flask:
    """Build the WSGI app; creating it never touches the database."""
    from werkzeug.routing import UUIDConverter

    from people_api.access import auth
    from people_api.access.api_keys import KeyStore
    from people_api.contract.shared_responses import SharedResponses
    from people_api.observability import metrics, request_id, telemetry
    from people_api.users import routes as users_routes
    from people_api.users import schemas as users_schemas
    from people_api.users.idempotency import Idempotency
    from people_api.users.store import UserStore
    from people_api.web import bodies, docs, health, hygiene, pages
    from people_api.web.json_provider import OrjsonProvider

    settings = settings or Settings.from_env()
    app = _App(__name__)
    app.json = OrjsonProvider(app)
    app.config.update(
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        API_TITLE="people-api",
        API_VERSION=API_VERSION,
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {
                "description": "A users directory. Every error is RFC 9457 application/problem+json.",
                "license": {"name": "MIT", "identifier": "MIT"},
            },
            # Relative: the instance that served this document (locally http://127.0.0.1:5001).
            # Not internal-only: an instance may face other networks, with keys, limits and TLS.
            "servers": [
                {
                    "url": "/",
                    "description": "The instance serving this document (local, staging or production).",
                    "x-internal": False,
                }
            ],
        },
    )
    engine = engines.create_engine(settings)
    app.extensions["people_api.settings"] = settings
    app.extensions["people_api.engine"] = engine
    users = UserStore(engine)
    app.extensions["people_api.users"] = users
    app.extensions["people_api.users.idempotency"] = Idempotency(engine, users)
    auth.init_app(app, auth.Guard(KeyStore(engine), protected_mode=settings.protected_mode))

    request_id.init_app(app)
    telemetry.init_app(app, metrics.Metrics(settings.metrics_dir))

    # In this order: security adds 401 and 403, SharedResponses 429 and 500 and the headers every
    # response shares, then request_id documents X-Request-ID on all of them.
    plugins = [auth.SecurityPlugin(), SharedResponses(), request_id.SpecPlugin()]
    api = PeopleApi(app, spec_kwargs={"extra_plugins": plugins})
    # werkzeug's uuid converter matches only the 36-character form.
    api.register_converter(UUIDConverter, lambda _: {"type": "string", "format": "uuid", "maxLength": 36})
    api.register_blueprint(pages.blp)
    api.register_blueprint(health.blp)
    api.register_blueprint(metrics.blp)
    api.register_blueprint(users_routes.blp)
    for name, extras in users_schemas.SPEC_EXTRAS.items():
        api.spec.components.schemas[name].update(extras)
    app.extensions["people_api.api"] = api
    for unavailable in engines.UNAVAILABLE:
        app.register_error_handler(unavailable, errors.database_unavailable)
    app.register_blueprint(docs.blp)  # on the app, not the Api: the docs pages stay out of the spec
    hygiene.init_app(app, settings)
    if settings.rate_limit is not None:
        # Imported only then: flask-limiter and limits add about 7 MB to every worker.
        from people_api.access import ratelimit

        # After authentication, so the limiter counts per the API key it found, and before its
        # refusals, so refused requests (bad tokens, missing scopes) count too.
        ratelimit.init_app(app, settings)
    auth.init_refusals(app)
    # Last: only a request that may go on has its body read.
    bodies.init_app(app)
    return app
