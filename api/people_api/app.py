"""The WSGI app: `create_app` wires the request pipeline, in order."""

from __future__ import annotations

import inspect
from typing import Any

import flask

from people_api.config import API_VERSION, MAX_BODY_BYTES, Settings
from people_api.storage import engines
from people_api.web import errors
from people_api.web.smorest import PeopleApi


class _App(flask.Flask):
    """Flask, minus a check it repeats about 17 times a request: this app has no async views or
    hooks, so none needs wrapping to run (`inspect.iscoroutinefunction` was 4 % of a GET's profile).
    create_app checks that once, at startup, instead (_refuse_async)."""

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
    users = UserStore(engine)
    app.extensions.update(
        {
            "people_api.settings": settings,
            "people_api.engine": engine,
            "people_api.users": users,
            "people_api.users.idempotency": Idempotency(engine, users),
            "people_api.guard": auth.Guard(KeyStore(engine), protected_mode=settings.protected_mode),
            "people_api.observability.metrics": metrics.Metrics(settings.metrics_dir),
        }
    )

    # The request pipeline, in the order a request passes through it. Flask runs before_request hooks
    # in the order they are added and after_request hooks in the reverse order, so each hook added
    # here on the way out runs after every later one.
    app.before_request(telemetry.start)  # 1. the clock, spanning every later step
    app.after_request(telemetry.finish)  # ... and read last, once the status is final: a log line, metrics
    app.before_request(request_id.assign)  # 2. an id for every later log line and for the response
    app.after_request(request_id.echo)
    app.teardown_request(request_id.forget)
    app.before_request(hygiene.refuse_oversized)  # 3. URL, header and body sizes, before any lookup
    app.before_request(auth.authenticate)  # 4. who is calling (an API-key lookup); a refusal is held...
    if settings.rate_limit is not None:
        # Imported only then: flask-limiter and limits add about 7 MB to every worker.
        from people_api.access import ratelimit

        ratelimit.install(app, settings)  # 5. ...until the limiter counts it against that key
    app.before_request(auth.refuse)  # 6. the 401 or 403 held since step 4
    app.before_request(bodies.read_body)  # ... then a chunked body, whole, or 413: only an admitted one
    # 7. Parsing (@blp.arguments: 400, 413, 415) and the view, in the blueprints below; every error on
    # the way is a problem+json (the Api's handler, and the 503 of a database away).
    for unavailable in engines.UNAVAILABLE:
        app.register_error_handler(unavailable, errors.database_unavailable)
    # 8. On the way out: a blueprint with a deprecated operation adds Deprecation and Sunset first
    # (its own after_request, web/deprecation.py), then nosniff and no-store for API answers...
    app.after_request(hygiene.label)
    hygiene.allow_cors(app, settings)  # ... and CORS fields for allowlisted origins

    # The order matters and test_request_id, test_auth and test_shared_responses hold it: security
    # adds 401 and 403, SharedResponses 429, 500 and the headers every response shares, then
    # request_id documents X-Request-ID on all of them.
    plugins = [auth.SecurityPlugin(), SharedResponses(), request_id.SpecPlugin()]
    api = PeopleApi(app, spec_kwargs={"extra_plugins": plugins})
    app.extensions["people_api.api"] = api
    # werkzeug's uuid converter matches only the 36-character form.
    api.register_converter(UUIDConverter, lambda _: {"type": "string", "format": "uuid", "maxLength": 36})
    for blueprint in (pages.blp, health.blp, metrics.blp, users_routes.blp):
        api.register_blueprint(blueprint)
    for name, extras in users_schemas.SPEC_EXTRAS.items():
        api.spec.components.schemas[name].update(extras)
    app.register_blueprint(docs.blp)  # on the app, not the Api: the docs pages stay out of the spec
    _refuse_async(app)
    return app


def _refuse_async(app: flask.Flask) -> None:
    """Stop at startup if any view or hook is a coroutine function: _App skips the wrapping that would
    run one, so it would return an unawaited coroutine instead of a response."""
    hooks = [
        *app.view_functions.values(),
        *(hook for hooks in app.before_request_funcs.values() for hook in hooks),
        *(hook for hooks in app.after_request_funcs.values() for hook in hooks),
        *(hook for hooks in app.teardown_request_funcs.values() for hook in hooks),
    ]
    found = [getattr(hook, "__qualname__", repr(hook)) for hook in hooks if inspect.iscoroutinefunction(hook)]
    if found:
        raise TypeError(f"people-api runs no async views or hooks: {', '.join(found)}")
