"""The facilitator's page in headless Chromium (Debian's, driven by Playwright): every turn
renders its content, the keys and buttons step through the views, and no request leaves the
page. Screenshots go to ``$TABLETOP_SCREENSHOTS`` (default: the test's temporary folder)."""

import os
import shutil
from pathlib import Path

import pytest

from sim.exercise.play import ScriptedSource, play
from sim.exercise.schema import load_decisions, load_exercise
from tests.paths import ROOT

DATA = ROOT / "tests" / "data" / "exercise"

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.fail("Debian's chromium is not installed: `apt-get install -y chromium` "
                    "(.ci/run installs it); the page test needs it")
    return path


@pytest.fixture(scope="module")
def page_file(tmp_path_factory) -> Path:
    exercise = load_exercise(DATA / "toy.yaml")
    decisions = load_decisions(DATA / "toy_decisions.yaml", exercise.config)
    folder = tmp_path_factory.mktemp("toy_play")
    play(exercise, ScriptedSource(decisions), folder, workers=1, say=lambda *_: None)
    return folder / "page.html"


@pytest.mark.slow
def test_the_page_steps_through_every_turn_offline(page_file, tmp_path):
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("TABLETOP_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    requests, errors = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("request", lambda r: requests.append(r.url))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.route("**/*", lambda route: route.continue_()
                       if route.request.url.startswith(("file:", "data:")) else route.abort())
            page.goto(page_file.as_uri())
            views = page.locator("section.view")
            ids = [views.nth(i).get_attribute("id") for i in range(views.count())]
            assert ids == ["turn-1", "turn-2", "turn-3", "after", "briefings"]
            for turn in (1, 2, 3):
                view = page.locator(f"section#turn-{turn}")
                assert view.is_visible() and page.locator("section.view:visible").count() == 1
                assert f"Turn {turn} of 3" in view.locator("h2").inner_text()
                image = view.locator("figure img")
                assert image.evaluate("i => i.complete && i.naturalWidth > 400")
                assert view.locator("table").count() >= 2  # decisions or indicators, region
                assert "days" in view.inner_text()
                page.screenshot(path=str(shots / f"toy_turn{turn}.png"), full_page=True)
                page.keyboard.press("ArrowRight")
            after = page.locator("section#after")
            assert after.is_visible() and "What each decision changed" in after.inner_text()
            assert "Lessons" in after.inner_text()
            page.screenshot(path=str(shots / "toy_after_action.png"), full_page=True)
            page.locator("button#next").click()
            sheets = page.locator("section#briefings article.sheet")
            assert sheets.count() == 3 * 3
            assert sheets.nth(0).locator("img").evaluate("i => i.naturalWidth > 300")
            page.screenshot(path=str(shots / "toy_briefings.png"))
            page.keyboard.press("ArrowLeft")
            assert after.is_visible()
            page.locator("nav#nav button[data-view='turn-2']").click()
            assert page.locator("section#turn-2").is_visible()
            assert page.evaluate("location.hash") == "#turn-2"
            page.emulate_media(media="print")
            assert page.locator("section#briefings").is_visible()
            assert not page.locator("nav#nav").is_visible()
            page.screenshot(path=str(shots / "toy_print.png"))
        finally:
            browser.close()
    assert errors == []
    assert requests and all(u.startswith(("file:", "data:")) for u in requests), requests
