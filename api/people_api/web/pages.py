"""The two HTML pages kept from the classroom server the API grew from."""

from __future__ import annotations

import flask

from people_api.web.smorest import PeopleBlueprint

blp = PeopleBlueprint("pages", __name__, description="The seed server's HTML pages.")


# Each page is one short heading (a pattern rather than `const`, which would make the generated
# client reject any other wording).
_PAGE = {"type": "string", "maxLength": 128, "pattern": "^<h1>[^<]*</h1>\\n$"}


def _html(description: str, example: str) -> dict[str, object]:
    return {
        "200": {
            "description": description,
            "content": {"text/html": {"schema": _PAGE, "example": example}},
        }
    }


HOME = "<h1>The server is up and running!</h1>\n"
TEST = '<h1>This is the "test" folder.</h1>\n'


@blp.route("/", methods=["GET"])
@blp.doc(operationId="home_page", summary="Say the server is up.", responses=_html("The server is up.", HOME))
def home() -> flask.Response:
    """Say the server is up."""
    return flask.Response(HOME, mimetype="text/html")


@blp.route("/test/", methods=["GET"])
@blp.doc(operationId="test_page", summary="The seed's test page.", responses=_html("The test page.", TEST))
def test() -> flask.Response:
    """The seed's test page."""
    return flask.Response(TEST, mimetype="text/html")
