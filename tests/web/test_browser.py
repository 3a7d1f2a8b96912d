"""The pages in a real browser (Debian's Chromium, driven by Playwright) against a real
`tandem serve` with the demo organisation, as a newcomer would use them after `make run`.
Every page visited is saved as a screenshot under build/screenshots/ (not committed)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tandem.demo.organisation import DEMO_ADMIN, DEMO_PASSWORD, DEMO_USER
from tests.support.processes import environment, run_json, serving

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str], Path]]:
    """`tandem serve` with the demo organisation (as `make run`, without the demo calendar,
    so every demo user starts with their sync off)."""
    directory = tmp_path_factory.mktemp("web-demo")
    env = environment(f"sqlite:///{directory / 'tandem.db'}", directory, TANDEM_DEMO_ON_FIRST_START="true")
    with serving(env, directory) as base:
        yield base, env, directory


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "no Chromium: scripts/ensure-services installs it (apt-get install chromium)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _sign_in(page: Page, email: str, password: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_cal_7_the_demo_admin_and_a_demo_user_in_a_real_browser(
    demo: tuple[str, dict[str, str], Path], chromium: Browser
) -> None:
    base, env, directory = demo
    context = chromium.new_context(base_url=base, viewport={"width": 390, "height": 844})  # a phone
    page = context.new_page()
    refused: list[str] = []  # what the page's own Content-Security-Policy blocked
    page.on("console", lambda message: refused.append(message.text) if "Refused" in message.text else None)

    page.goto("/admin")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=%2Fadmin$"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    _shot(page, "01-sign-in")

    _sign_in(page, DEMO_ADMIN, "not the password")
    expect(page.locator("#password-error")).to_have_text("The email or password is not right.")
    expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Email")).to_have_value(DEMO_ADMIN)
    expect(page.get_by_label("Password")).to_have_value("")
    _shot(page, "02-sign-in-wrong-password")

    _sign_in(page, DEMO_ADMIN, DEMO_PASSWORD)
    expect(page).to_have_url(f"{base}/admin")
    expect(page.get_by_role("heading", name="Admin")).to_be_visible()
    users = page.get_by_role("table")
    expect(users.get_by_role("row")).to_have_count(6)  # the header and the five demo users
    expect(users.get_by_role("row", name=re.compile("Ben Berg"))).to_contain_text("Off")
    _shot(page, "03-admin")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{base}/sign-in")
    page.goto("/admin")
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))  # signed out for real

    _sign_in(page, DEMO_USER, DEMO_PASSWORD)
    expect(page).to_have_url(f"{base}/admin")
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()  # a user is no admin
    _shot(page, "04-admin-refused-for-a-user")

    page.get_by_role("link", name="My profile").click()
    expect(page.get_by_role("heading", name="My profile")).to_be_visible()
    expect(page.locator("#calendar-sync-state")).to_have_text("Off")
    _shot(page, "05-my-profile-sync-off")
    page.get_by_role("button", name="Switch calendar sync on").click()
    expect(page.locator("#calendar-sync-state")).to_have_text("On")
    expect(page.get_by_role("button", name="Switch calendar sync off")).to_be_visible()
    _shot(page, "06-my-profile-sync-on")

    started = "".join(p.read_text() for p in directory.glob("serve-*.log"))  # what `make run` shows a newcomer
    assert f"First open {base}/sign-in and sign in" in started
    assert f"demo admin  {DEMO_ADMIN}  password {DEMO_PASSWORD}" in started
    assert f"demo user   {DEMO_USER}  password {DEMO_PASSWORD}" in started

    listed = run_json(["users", "list", "--json"], env, directory)
    assert {u["email"]: u["calendarSync"] for u in listed}[DEMO_USER] is True
    assert refused == []  # no stylesheet or script of ours blocked by the pages' own policy
    assert page.evaluate("getComputedStyle(document.body).marginTop") == "0px"  # the stylesheet applied
    context.close()
