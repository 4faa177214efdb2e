"""people-api: a users directory over HTTP, built contract-first."""

from __future__ import annotations

from importlib.metadata import version
from typing import TYPE_CHECKING, Any

from people_api.config import Settings

if TYPE_CHECKING:
    import flask

MAX_BODY_BYTES = 1024 * 1024
# The versioned API: rate-limited, never cached, documented with its limits.
API_PREFIX = "/people/v1/"
API_VERSION = version("people-api")


def create_app(settings: Settings | None = None) -> flask.Flask:
    """Build the WSGI app; creating it never touches the database."""
    # Imported here, not at the top: the `people-api` command imports this package, and its --help
    # and light commands should not pay for Flask, smorest and SQLAlchemy.
    import flask
    from werkzeug.routing import UUIDConverter

    from people_api import auth, db, docs, errors, health, hygiene, metrics, pages, request_id, telemetry
    from people_api.idempotency import Idempotency
    from people_api.json_provider import OrjsonProvider
    from people_api.keys import KeyStore
    from people_api.shared_responses import SharedResponses
    from people_api.users import routes as users_routes
    from people_api.users import schemas as users_schemas
    from people_api.users.store import UserStore

    class _App(flask.Flask):
        """Flask, minus a check it repeats about 17 times a request: this app has no async views or
        hooks, so none needs wrapping to run (`inspect.iscoroutinefunction` was 4 % of a GET's profile)."""

        def ensure_sync(self, func: Any) -> Any:
            return func

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
    engine = db.create_engine(settings)
    app.extensions["people_api.settings"] = settings
    app.extensions["people_api.engine"] = engine
    users = UserStore(engine)
    app.extensions["people_api.users"] = users
    app.extensions["people_api.idempotency"] = Idempotency(engine, users)
    auth.init_app(app, auth.Guard(KeyStore(engine), protected_mode=settings.protected_mode))

    request_id.init_app(app)
    telemetry.init_app(app, metrics.Metrics(settings.metrics_dir))

    # In this order: security adds 401 and 403, SharedResponses 429 and 500 and the headers every
    # response shares, then request_id documents X-Request-ID on all of them.
    plugins = [auth.SecurityPlugin(), SharedResponses(), request_id.SpecPlugin()]
    api = errors.PeopleApi(app, spec_kwargs={"extra_plugins": plugins})
    # werkzeug's uuid converter matches only the 36-character form.
    api.register_converter(UUIDConverter, lambda _: {"type": "string", "format": "uuid", "maxLength": 36})
    api.register_blueprint(pages.blp)
    api.register_blueprint(health.blp)
    api.register_blueprint(metrics.blp)
    api.register_blueprint(users_routes.blp)
    for name, extras in users_schemas.SPEC_EXTRAS.items():
        api.spec.components.schemas[name].update(extras)
    app.extensions["people_api.api"] = api
    app.register_blueprint(docs.blp)  # on the app, not the Api: the docs pages stay out of the spec
    hygiene.init_app(app, settings)
    if settings.rate_limit is not None:
        # Imported only then: flask-limiter and limits add about 7 MB to every worker.
        from people_api import ratelimit

        # After authentication, so the limiter counts per the API key it found, and before its
        # refusals, so refused requests (bad tokens, missing scopes) count too.
        ratelimit.init_app(app, settings)
    auth.init_refusals(app)
    return app
