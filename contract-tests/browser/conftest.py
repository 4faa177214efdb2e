"""Fixtures for the browser tests: Debian's chromium driven by Playwright (never a downloaded
browser), with every request that would leave this machine aborted and failing the test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser.guard import Guard
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "reports" / "screenshots"
# Playwright adds --headless. Outside host names resolve to nothing, so even a request the guard
# below missed could not reach another machine.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Debian chromium; missing, it fails a CI run and skips a local one."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: `nox -s browser` installs Debian's chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def guard() -> Guard:
    """The record of the current page's forbidden requests and errors."""
    return Guard()


@pytest.fixture
def page(browser: Browser, guard: Guard) -> Iterator[Page]:
    """A fresh page whose every request passes the guard; the test fails if the page sent a request
    off this machine or threw an uncaught error."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route("**/*", guard.route)
    opened = context.new_page()
    opened.on("pageerror", lambda error: guard.errors.append(str(error)))
    yield opened
    context.close()
    if guard.outside:
        pytest.fail(f"the page sent requests off this machine: {guard.outside}")
    if guard.errors:
        pytest.fail(f"the page threw: {guard.errors}")


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """reports/screenshots/, where each test leaves a picture of what it saw."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
