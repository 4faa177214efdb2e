"""The application factory, the seed's HTML pages and the served OpenAPI document."""

from __future__ import annotations

import importlib
import json
import re
import sys
from pathlib import Path
from urllib.parse import urljoin

import flask
import pytest
from flask.testing import FlaskClient

from people_api.app import create_app
from people_api.config import MAX_BODY_BYTES, Settings
from people_api.contract import spec
from people_api.users.store import UserStore

# The classroom server's two pages (seed: `return "<h1>...</h1>\n"`); the root page's links to the docs
# follow its heading.
SEED_PAGES = {
    "/": b"<h1>The server is up and running!</h1>\n",
    "/test/": b'<h1>This is the "test" folder.</h1>\n',
}


def test_create_app_does_not_touch_the_database(tmp_path: Path) -> None:
    """Building the app opens no connection, so the SQLite file does not exist afterwards."""
    database = tmp_path / "never.db"

    create_app(Settings(database_url=f"sqlite:///{database}"))

    assert not database.exists()


def test_create_app_works_without_a_reachable_database() -> None:
    """A PostgreSQL URL nobody listens on is fine until a request needs the database."""
    app = create_app(Settings(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none"))

    assert app.extensions["people_api.engine"].dialect.name == "postgresql"


def test_create_app_keeps_the_injected_settings(settings: Settings) -> None:
    """The Settings passed in are the ones the app and its engine use."""
    app = create_app(settings)

    assert app.extensions["people_api.settings"] is settings
    assert app.extensions["people_api.engine"].url.render_as_string(False) == settings.database_url


def test_create_app_reads_the_environment_without_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """With no Settings argument the factory reads PEOPLE_API_* from the environment."""
    url = f"sqlite:///{tmp_path / 'env.db'}"
    monkeypatch.setenv("PEOPLE_API_DATABASE_URL", url)

    app = create_app()

    assert app.extensions["people_api.settings"] == Settings(database_url=url)


def test_create_app_wires_store_and_blueprints(app: flask.Flask) -> None:
    """The factory registers the pages, the users API and the spec, and one UserStore."""
    assert {"api-docs", "pages", "users"} <= set(app.blueprints)
    assert isinstance(app.extensions["people_api.users"], UserStore)


def test_create_app_limits_request_bodies_to_one_mebibyte(app: flask.Flask) -> None:
    """Werkzeug enforces the 1 MiB body limit from the app config."""
    assert app.config["MAX_CONTENT_LENGTH"] == MAX_BODY_BYTES == 1024 * 1024


def test_create_app_is_not_in_testing_mode(app: flask.Flask) -> None:
    """Tests run the production configuration, so unhandled errors become 500s as they would live."""
    assert app.testing is False


def test_wsgi_module_builds_the_app_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`people_api.wsgi:app` is an app built from PEOPLE_API_* variables."""
    url = f"sqlite:///{tmp_path / 'wsgi.db'}"
    monkeypatch.setenv("PEOPLE_API_DATABASE_URL", url)
    monkeypatch.delitem(sys.modules, "people_api.wsgi", raising=False)

    wsgi = importlib.import_module("people_api.wsgi")

    assert isinstance(wsgi.app, flask.Flask)
    assert wsgi.app.extensions["people_api.settings"].database_url == url


@pytest.mark.parametrize(("path", "body"), SEED_PAGES.items())
def test_seed_page_starts_with_the_seed_heading(client: FlaskClient, path: str, body: bytes) -> None:
    """GET / and GET /test/ answer HTML whose first line is the seed's page."""
    response = client.get(path)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.get_data().startswith(body)


def test_test_page_is_the_seed_page_byte_for_byte(client: FlaskClient) -> None:
    """GET /test/ answers the seed's HTML exactly, nothing after it."""
    assert client.get("/test/").get_data() == SEED_PAGES["/test/"]


def test_root_page_links_the_docs(client: FlaskClient) -> None:
    """GET / links Swagger UI, ReDoc and the spec, and each link answers 200."""
    page = client.get("/").get_data(as_text=True)

    links = re.findall(r'<a href="([^"]+)">', page)

    assert links == ["docs", "redoc", "openapi.json"]
    assert [client.get(urljoin("/", link)).status_code for link in links] == [200, 200, 200]


def test_openapi_json_is_the_spec_document(client: FlaskClient) -> None:
    """GET /openapi.json serves the same document the CLI writes to spec/."""
    response = client.get("/openapi.json")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.get_json() == json.loads(json.dumps(spec.document()))
