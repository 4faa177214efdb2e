"""The two HTML pages kept from the classroom server the API grew from; the root page also points a
newcomer to the API's documentation (templates/home.html)."""

from __future__ import annotations

from importlib.resources import files

import flask

from people_api.web.smorest import PeopleBlueprint

blp = PeopleBlueprint("pages", __name__, description="The seed server's HTML pages.")


# Each page is one short heading (a pattern rather than `const`, which would make the generated
# client reject any other wording).
_PAGE = {"type": "string", "maxLength": 128, "pattern": "^<h1>[^<]*</h1>\\n$"}


# The root page starts with the seed's heading; links to the docs follow it.
_HOME_PAGE = {"type": "string", "maxLength": 1024, "pattern": "^<h1>[^<]*</h1>\n"}


def _html(description: str, example: str, schema: dict[str, object] = _PAGE) -> dict[str, object]:
    return {
        "200": {
            "description": description,
            "content": {"text/html": {"schema": schema, "example": example}},
        }
    }


HOME = (files("people_api.web") / "templates" / "home.html").read_text(encoding="utf-8")
TEST = '<h1>This is the "test" folder.</h1>\n'


@blp.route("/", methods=["GET"])
@blp.doc(
    operationId="home_page",
    summary="Say the server is up, and where the API's documentation is.",
    responses=_html("The server is up; links to /docs, /redoc and /openapi.json.", HOME, _HOME_PAGE),
)
def home() -> flask.Response:
    """Say the server is up, and where the API's documentation is."""
    return flask.Response(HOME, mimetype="text/html")


@blp.route("/test/", methods=["GET"])
@blp.doc(operationId="test_page", summary="The seed's test page.", responses=_html("The test page.", TEST))
def test() -> flask.Response:
    """The seed's test page."""
    return flask.Response(TEST, mimetype="text/html")
