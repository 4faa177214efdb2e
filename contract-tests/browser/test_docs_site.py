"""The documentation site (site/, built by mkdocs) as a reader sees it: headless chromium over a
loopback HTTP server, with no request allowed off this machine and no script error on any page."""

from __future__ import annotations

import dataclasses
import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser.test_docs_pages import operations
from playwright.sync_api import Page, expect

from people_api.config import Settings

SITE = Path(__file__).resolve().parents[2] / "site"
SECTIONS = ["Tutorial", "How-to guides", "Reference", "Explanation", "Contributing"]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output to the tests."""


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    """The built site, served on a free loopback port."""
    if not (SITE / "index.html").exists():
        pytest.fail(f"{SITE} is not built: `nox -s browser` (or `nox -s docs`) builds it")
    handler = functools.partial(QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def pages() -> list[str]:
    """Every page of the site, relative to it (the published spec reference has its own tests)."""
    found = sorted(str(path.relative_to(SITE)) for path in SITE.rglob("*.html"))
    return [name for name in found if name not in {"404.html", "reference/reference.html"}]


def test_home_page_leads_to_every_section(page: Page, site: str, screenshots: Path) -> None:
    """The home page's navigation names the tutorial, how-to guides, reference, explanation and
    contributing, as the best Python projects' docs do."""
    page.goto(f"{site}/index.html")

    navigation = page.locator("nav.md-nav--primary")

    for section in SECTIONS:
        expect(navigation.get_by_text(section, exact=True).first).to_be_attached()
    expect(page.locator("article h1")).to_contain_text("people-api")
    page.screenshot(path=screenshots / "docs-site-home.png", full_page=True)


@pytest.mark.parametrize("name", pages())
def test_page_renders_with_a_title(page: Page, site: str, name: str) -> None:
    """Each page opens, from the site alone, with its title."""
    page.goto(f"{site}/{name}")

    expect(page.locator("article h1").first).to_be_visible()


def test_http_api_page_embeds_every_operation(
    page: Page, site: str, spec: dict[str, Any], screenshots: Path
) -> None:
    """The HTTP API page's operations table and its embedded reference show every operation."""
    page.goto(f"{site}/reference/http-api.html")

    embedded = page.frame_locator("iframe").locator('[data-section-id^="operation/"]')
    expect(embedded).to_have_count(len(operations(spec)))

    table = page.locator("article table").first.inner_text()
    assert all(operation_id in table for operation_id in operations(spec))
    page.screenshot(path=screenshots / "docs-site-http-api.png")


def test_configuration_page_lists_every_setting(page: Page, site: str, screenshots: Path) -> None:
    """The configuration table has a row per Settings field, from config.py."""
    page.goto(f"{site}/reference/configuration.html")

    rows = page.locator("article table").first.locator("tbody tr")

    expect(rows).to_have_count(len(dataclasses.fields(Settings)))
    expect(rows.first).to_contain_text("PEOPLE_API_DATABASE_URL")
    page.screenshot(path=screenshots / "docs-site-configuration.png", full_page=True)


def test_cli_and_client_pages_are_generated(page: Page, site: str) -> None:
    """The command line page documents `people-api serve`; the client page documents Client."""
    page.goto(f"{site}/reference/cli.html")
    expect(page.locator("article")).to_contain_text("people-api serve")

    page.goto(f"{site}/reference/client.html")
    expect(page.locator("article")).to_contain_text("people_api_client.Client")
    expect(page.locator("article")).to_contain_text("sync_or_raise")


def test_search_finds_a_page(page: Page, site: str, screenshots: Path) -> None:
    """The site's own search (no outside service) finds the idempotency page."""
    page.goto(f"{site}/index.html")

    page.locator("label.md-search__icon, .md-search__input").first.click()
    # Its index loads in a web worker; what is typed before it is ready finds nothing.
    expect(page.locator(".md-search-result__meta")).to_have_text("Type to start searching")
    page.locator(".md-search__input").press_sequentially("idempotency")  # keystrokes, as a reader types

    results = page.locator(".md-search-result__item")
    expect(results.first).to_be_visible()
    page.screenshot(path=screenshots / "docs-site-search.png")
