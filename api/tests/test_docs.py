"""The docs pages, their assets, /openapi.yaml and the static reference, in process."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser
from typing import Any

import pytest
import yaml
from flask.testing import FlaskClient

from people_api.contract.spec import document as spec_document
from people_api.web import docs

PAGES = ("/docs", "/redoc")


class _Links(HTMLParser):
    """Every src and href a page's tags name."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls.extend(value for name, value in attrs if name in ("src", "href") and value)


def _links(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.urls


def _status(client: FlaskClient, path: str) -> int:
    """GET path and close the response (a file response holds its file open until closed)."""
    with client.get(path) as response:
        return response.status_code


@pytest.mark.parametrize("path", PAGES)
def test_docs_page_is_html(client: FlaskClient, path: str) -> None:
    """/docs and /redoc answer 200 text/html."""
    response = client.get(path)

    assert response.status_code == 200
    assert response.mimetype == "text/html"


@pytest.mark.parametrize("path", PAGES)
def test_docs_page_loads_only_assets_this_server_serves(client: FlaskClient, path: str) -> None:
    """Every script, stylesheet and icon a docs page names is a data: URL or a local path this app
    answers 200."""
    links = [link for link in _links(client.get(path).get_data(as_text=True)) if not link.startswith("data:")]

    assert links
    assert all(link.startswith("/") and not link.startswith("//") for link in links), links
    assert {link: _status(client, link) for link in links} == dict.fromkeys(links, 200)


@pytest.mark.parametrize("path", PAGES)
def test_docs_page_policy_allows_only_this_server(client: FlaskClient, path: str) -> None:
    """A Content-Security-Policy keeps the page (and ReDoc's remote logo) from reaching other hosts."""
    policy = client.get(path).headers["Content-Security-Policy"]

    assert "default-src 'self'" in policy
    assert "http" not in policy


def test_swagger_ui_asset_comes_from_flask_swagger_ui(client: FlaskClient) -> None:
    """/docs/swagger-ui/ serves the pinned package's Swagger UI 5 dist files."""
    with client.get("/docs/swagger-ui/VERSION") as response:
        assert response.get_data(as_text=True).startswith("v5.")


def test_unknown_docs_asset_is_a_problem(client: FlaskClient, assert_problem: Any) -> None:
    """A missing asset is a problem+json 404, like any unknown path."""
    response = client.get("/docs/swagger-ui/no-such-file.js")

    assert_problem(
        response,
        404,
        "The requested URL was not found on the server. If you entered the URL manually please check "
        "your spelling and try again.",
    )


def test_docs_page_rejects_post_with_a_problem(client: FlaskClient) -> None:
    """POST /docs is a problem+json 405 that names the allowed methods."""
    response = client.post("/docs")

    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


def test_openapi_yaml_is_the_document_openapi_json_serves(client: FlaskClient) -> None:
    """/openapi.yaml and /openapi.json are the same document."""
    response = client.get("/openapi.yaml")

    assert response.mimetype == "application/yaml"
    assert yaml.safe_load(response.get_data(as_text=True)) == client.get("/openapi.json").get_json()


def test_openapi_yaml_is_byte_for_byte_the_spec_file(client: FlaskClient) -> None:
    """/openapi.yaml is exactly what `spec write` puts in spec/openapi.yaml."""
    response = client.get("/openapi.yaml")

    assert response.get_data(as_text=True) == docs.spec_yaml(spec_document())


def test_docs_routes_stay_out_of_the_spec() -> None:
    """The docs pages, their assets and /openapi.yaml describe the contract but are not part of it."""
    paths = spec_document()["paths"]

    assert [path for path in paths if path.startswith(("/docs", "/redoc", "/openapi"))] == []


def test_redoc_bundle_is_the_recorded_release() -> None:
    """The committed ReDoc bundle is byte for byte the npm release whose checksum docs.py records."""
    assert hashlib.sha256(docs.REDOC_BUNDLE.read_bytes()).hexdigest() == docs.REDOC_SHA256


def test_reference_html_inlines_the_whole_document() -> None:
    """The static reference carries the spec itself, so it needs no file or server beside it."""
    document = spec_document()
    html = docs.reference_html(document)

    inlined = re.search(r'<script id="openapi" type="application/json">(.*?)</script>', html, re.DOTALL)

    assert inlined is not None
    assert json.loads(inlined.group(1)) == document


def test_reference_html_loads_nothing_by_url() -> None:
    """The reference's only loaded resource is the ReDoc bundle, inlined as a data: URL."""
    html = docs.reference_html(spec_document())

    (link,) = _links(html)
    scheme, _, payload = link.partition(",")
    assert scheme == "data:text/javascript;base64"
    assert base64.b64decode(payload) == docs.REDOC_BUNDLE.read_bytes()
    assert "default-src 'none'" in html
