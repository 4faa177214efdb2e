"""The spec for people to read: Swagger UI at /docs, ReDoc at /redoc, /openapi.yaml beside
/openapi.json, and the self-contained reference written into spec/; every asset comes from here.

None of these routes is in the OpenAPI document, like smorest's own /openapi.json: they describe
the contract rather than belong to it. Listing them would give the generated client functions that
return HTML and JavaScript, and give Schemathesis static files to fuzz, for no one's benefit.
"""

from __future__ import annotations

import base64
from importlib import resources
from pathlib import Path
from typing import Any

import flask
import jinja2
import yaml

# Swagger UI 5 (OpenAPI 3.1) comes from the pinned flask-swagger-ui wheel's dist/ folder; only its
# files are used, not its blueprint, whose page cannot point "Try it out" at this server.
SWAGGER_UI_DIST = str(resources.files("flask_swagger_ui") / "dist")

# ReDoc comes as one committed file: bundles/redoc.standalone.js of npm's `redoc` package 2.5.4
# (MIT; `npm pack redoc@2.5.4`, tarball integrity sha512-M6jWhG1qoBnH6TFmzJnstyCZ87HmOY/UzDm78mHiYihE
# dlV/YcS9ogOo1NlElnJMeLsyxHFe2yFc4sNjHTrABQ==), its licence and notices beside it. ReDoc 3 ships only
# an ES module that does not run from a plain <script>, and PyPI's `redoc` is another project.
REDOC_VERSION = "2.5.4"
REDOC_SHA256 = "dcaf76612bc4a3fbcc923a8966dee2f6146a5f32e5ce1b6f02dd60cbbf89500b"
REDOC_BUNDLE = Path(__file__).parent / "static" / "docs" / "redoc.standalone.js"

# The pages may load and fetch from this server only. ReDoc 2 draws its sidebar logo from
# cdn.redoc.ly; this policy stops that request in the browser instead of letting it leave.
# Both viewers set inline styles, and ReDoc runs its search index in a blob: worker.
PAGE_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)

blp = flask.Blueprint(
    "docs", __name__, static_folder="static/docs", static_url_path="/docs/static", template_folder="templates"
)

_templates = jinja2.Environment(
    loader=jinja2.PackageLoader("people_api.web", "templates/docs"),
    autoescape=True,
    keep_trailing_newline=True,
)


def spec_yaml(document: dict[str, Any]) -> str:
    """The spec as YAML in canonical form: what /openapi.yaml serves and spec/openapi.yaml holds."""
    return yaml.safe_dump(document, sort_keys=True, allow_unicode=True, width=100)


def reference_html(document: dict[str, Any]) -> str:
    """One HTML file that shows the spec with ReDoc from disk: the bundle and the document inlined,
    and a policy that lets the page reach nothing outside itself."""
    return _templates.get_template("reference.html").render(
        title=document["info"]["title"],
        version=document["info"]["version"],
        redoc_version=REDOC_VERSION,
        # A data: URL, so that nothing in the bundle's text can end or confuse an HTML element.
        redoc_bundle=base64.b64encode(REDOC_BUNDLE.read_bytes()).decode("ascii"),
        document=document,
    )


def _page(template: str) -> flask.Response:
    html = flask.render_template(
        f"docs/{template}",
        title=flask.current_app.config["API_TITLE"],
        spec_url=flask.url_for("api-docs.openapi_json"),
    )
    response = flask.Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = PAGE_POLICY
    return response


@blp.get("/docs")
def swagger_ui() -> flask.Response:
    """Swagger UI, whose "Try it out" sends requests to this server."""
    return _page("swagger_ui.html")


@blp.get("/docs/swagger-ui/<path:name>")
def swagger_ui_asset(name: str) -> flask.Response:
    """A file of Swagger UI's dist/ folder (unknown names are a problem+json 404)."""
    return flask.send_from_directory(SWAGGER_UI_DIST, name)


@blp.get("/redoc")
def redoc() -> flask.Response:
    """ReDoc, a three-panel reference of every operation, schema and example."""
    return _page("redoc.html")


@blp.get("/openapi.yaml")
def openapi_yaml() -> flask.Response:
    """The served spec as YAML: the same document as /openapi.json and spec/openapi.yaml."""
    extensions = flask.current_app.extensions
    # The document is fixed once the app is built, and writing it as YAML takes ~40 ms: once per
    # process is enough (two threads racing here both store the same text).
    if "people_api.openapi_yaml" not in extensions:
        extensions["people_api.openapi_yaml"] = spec_yaml(extensions["people_api.api"].spec.to_dict())
    return flask.Response(extensions["people_api.openapi_yaml"], mimetype="application/yaml")
