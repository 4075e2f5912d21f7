"""Browser fixtures: one headless Debian Chromium per session, a fresh context per test.

Playwright's sync API keeps an asyncio event loop in the test thread, so Django's async-safety check
would refuse the ORM calls the fixtures make; the tests (only) allow it.

Screenshots go to ``$MEDTALENT_SCREENSHOTS`` (default ``./screenshots``).
"""

import os
import re

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
PASSWORD = "Correct-Horse-42"

VIEWPORTS: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {
        "viewport": {"width": 375, "height": 812},
        "is_mobile": True,
        "device_scale_factor": 2,
        "has_touch": True,
    },
}

# Playwright's default of five seconds is short for a loaded CI machine; this is a ceiling on
# waiting for the page, never an assertion about speed.
expect.set_options(timeout=15_000)


def screenshot_dir() -> Path:
    folder = Path(os.environ.get("MEDTALENT_SCREENSHOTS", "screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def shot(page: Page, name: str) -> Path:
    """Save a full-page PNG named ``name`` (``.png`` added) in the screenshot folder."""
    path = screenshot_dir() / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def login(page: Page, live_server: Any, username: str, password: str = PASSWORD) -> None:
    """Sign in through the login form and wait for the home page."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")
    expect(page.locator("main h1")).to_be_visible()


def open_menu(page: Page) -> None:
    """On a narrow screen, open the collapsed main menu with the navbar toggler."""
    toggler = page.locator("button.navbar-toggler")
    expect(toggler).to_be_visible()
    if toggler.get_attribute("aria-expanded") != "true":
        toggler.click()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    # Wait for Bootstrap's collapse transition to end: a click on a menu item while the menu is still
    # "collapsing" can be lost, which made the phone journeys' language switch flaky.
    expect(page.locator("#main-nav")).to_have_class(re.compile(r"^(?=.*\bshow\b)(?!.*\bcollapsing\b)"))
    expect(page.locator("#main-nav")).to_be_visible()


OVERFLOWING_ELEMENTS = """() => {
  const width = document.documentElement.clientWidth;
  return [...document.querySelectorAll("body *")]
    .filter((element) => element.getBoundingClientRect().right > width + 1)
    .slice(0, 8)
    .map((element) => {
      const classes = typeof element.className === "string" ? element.className.trim() : "";
      return element.tagName.toLowerCase() + (element.id ? "#" + element.id : "")
        + (classes ? "." + classes.split(/\\s+/).join(".") : "")
        + " right=" + Math.round(element.getBoundingClientRect().right);
    });
}"""


def assert_no_horizontal_scroll(page: Page) -> None:
    """The page fits the viewport's width: no sideways scrolling on a phone."""
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth, document.documentElement.clientWidth]"
    )
    fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    # On a mobile viewport innerWidth grows when the page overflows; the layout width does not.
    fits_layout = page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1"
    )
    message = (
        f"page wider than the screen (scrollWidth, innerWidth, clientWidth) = {widths}; "
        f"overflowing: {page.evaluate(OVERFLOWING_ELEMENTS)}"
    )
    assert fits is True, message
    assert fits_layout is True, message


@pytest.fixture(scope="session")
def screenshots() -> Path:
    return screenshot_dir()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"Browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium); it is missing.",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[..., Page]]:
    """``new_page(viewport="desktop"|"phone", locale="zh-CN"|"en-US")``: a page in a fresh context.

    The locale sets Accept-Language, from which Django's LocaleMiddleware picks the language.
    """
    contexts: list[BrowserContext] = []

    def make(viewport: str = "desktop", locale: str = "zh-CN") -> Page:
        context = browser.new_context(locale=locale, **VIEWPORTS[viewport])
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
