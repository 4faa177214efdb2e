"""Swagger UI, ReDoc and the static reference as a person sees them: headless chromium against a
real `people-api serve`, with no request allowed off this machine."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx
from browser.guard import Guard
from playwright.sync_api import Page, expect

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
REFERENCE = Path(__file__).resolve().parents[2] / "spec" / "reference.html"


def operations(spec: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """operationId -> (method, path) for every operation in the spec."""
    return {
        operation["operationId"]: (method, path)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }


def redoc_operation_ids(page: Page, expected: int) -> set[str]:
    """The operations ReDoc rendered a section for, once it has rendered `expected` of them."""
    sections = page.locator('[data-section-id^="operation/"]')
    expect(sections).to_have_count(expected)
    names = (section.get_attribute("data-section-id") or "" for section in sections.all())
    return {name.removeprefix("operation/") for name in names}


def redoc_screenshot(page: Page, path: Path) -> None:
    """The viewport at create_user: its request schema, examples and responses."""
    page.locator('[data-section-id="operation/create_user"]').evaluate("section => section.scrollIntoView()")
    page.screenshot(path=path)


def test_guard_stops_a_request_off_this_machine(page: Page, guard: Guard) -> None:
    """The guard these tests rely on aborts and records a request to another host."""
    page.set_content('<img src="http://example.com/pixel.png">')

    page.wait_for_load_state("networkidle")

    assert guard.outside == ["http://example.com/pixel.png"]
    guard.outside.clear()  # seen and expected: not a failure of this page


def test_swagger_ui_shows_every_operation(
    page: Page, server: str, spec: dict[str, Any], screenshots: Path
) -> None:
    """/docs lists every operation of the spec, from assets people-api serves itself."""
    page.goto(f"{server}/docs")
    blocks = page.locator(".opblock")
    expect(blocks).to_have_count(len(operations(spec)))

    shown = {
        (
            block.locator(".opblock-summary-method").inner_text().lower(),
            block.locator(".opblock-summary-path").get_attribute("data-path"),
        )
        for block in blocks.all()
    }

    page.screenshot(path=screenshots / "swagger-ui.png", full_page=True)
    assert shown == set(operations(spec).values())


def test_swagger_ui_try_it_out_creates_a_user(page: Page, server: str, screenshots: Path) -> None:
    """Swagger UI's "Try it out" on create_user sends the request to this server and shows its 201."""
    email = f"try-it-out-{uuid.uuid4().hex}@example.com"
    page.goto(f"{server}/docs#/users/create_user")  # deep link: the operation opens expanded
    operation = page.locator("#operations-users-create_user")

    operation.get_by_role("button", name="Try it out").click()
    # Swagger UI fills in the spec's example key; a key of its own keeps reruns from replaying it.
    operation.locator('tr[data-param-name="Idempotency-Key"] input').fill(str(uuid.uuid4()))
    operation.locator("textarea.body-param__text").fill(json.dumps({"name": "Grace Hopper", "email": email}))
    operation.get_by_role("button", name="Execute").click()

    status = operation.locator(".live-responses-table .response .response-col_status")
    expect(status).to_have_text("201")
    operation.screenshot(path=screenshots / "swagger-ui-try-it-out.png")
    listed = httpx.get(f"{server}/people/v1/users", params={"email": email}).json()["users"]
    assert [user["name"] for user in listed] == ["Grace Hopper"]


def test_redoc_shows_every_operation(
    page: Page, server: str, spec: dict[str, Any], screenshots: Path
) -> None:
    """/redoc renders a section for every operation of the spec."""
    page.goto(f"{server}/redoc")

    shown = redoc_operation_ids(page, len(operations(spec)))

    redoc_screenshot(page, screenshots / "redoc.png")
    assert shown == set(operations(spec))


def test_static_reference_shows_every_operation_from_disk(
    page: Page, spec: dict[str, Any], screenshots: Path
) -> None:
    """spec/reference.html, opened as a file with the network blocked, renders every operation."""
    page.goto(REFERENCE.as_uri())

    shown = redoc_operation_ids(page, len(operations(spec)))

    redoc_screenshot(page, screenshots / "reference.png")
    assert shown == set(operations(spec))


def test_static_reference_shows_the_create_example_from_disk(page: Page, spec: dict[str, Any]) -> None:
    """spec/reference.html shows create_user's request sample built from the spec's examples."""
    example = spec["components"]["schemas"]["UserCreate"]["properties"]["email"]["example"]
    page.goto(REFERENCE.as_uri())

    section = page.locator('[data-section-id="operation/create_user"]')

    expect(section.get_by_text("Request samples")).to_be_visible()
    expect(section).to_contain_text(f'"email": "{example}"')
