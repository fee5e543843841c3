"""End to end in a real browser: `streamlit run app.py`, driven by Playwright in Debian's headless Chromium.

Fits the default model on the Cross-lag page, switches to the life-stage comparison, checks the results,
reloads the page (a new session: the answers come back from the address's key without refitting) and
saves screenshots (their folder is printed; set WORKBENCH_SCREENSHOTS to keep them somewhere else).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from app_support import REPO

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: A smaller built-in cohort than the app's default keeps the multigroup fits quick.
DEMO_N = 1000

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="Debian's chromium is not installed at /usr/bin/chromium "
                                       "(apt-get install chromium; .ci/run installs it)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    port = _free_port()
    log = (tmp_path / "streamlit.log").open("w")
    env = {**os.environ, "WORKBENCH_DEMO_N": str(DEMO_N)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail("streamlit did not start:\n" + (tmp_path / "streamlit.log").read_text())
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_fit_a_model_then_compare_life_stages_in_chromium(server, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    shots = Path(os.environ.get("WORKBENCH_SCREENSHOTS") or tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    print(f"screenshots in {shots}")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 2400})
            page.goto(server)
            page.get_by_text("Individual people's answers are not shown").wait_for(timeout=120_000)
            page.screenshot(path=str(shots / "1-data.png"))

            page.get_by_role("link", name="Cross-lag model").click()
            page.get_by_role("button", name="Fit model").click()
            page.get_by_text("The model in lavaan syntax").wait_for(timeout=120_000)  # the page's last section
            main = page.locator("[data-testid='stMain']")
            text = main.inner_text()
            assert "loneliness → later GHQ-12 distress (standardized)" in text
            assert "random-intercept cross-lagged panel model" in text
            assert "fits the data" in text
            assert main.locator("img").count() >= 1, "the path diagram"
            page.screenshot(path=str(shots / "2-crosslag.png"))

            page.get_by_role("link", name="Compare groups").click()
            page.get_by_role("button", name="Compare groups").wait_for(timeout=60_000)
            page.get_by_text("life stage", exact=True).click()
            page.get_by_role("button", name="Compare groups").click()
            page.get_by_text("Pairs of groups").wait_for(timeout=120_000)  # the page's last section
            text = main.inner_text()
            assert "between life stage groups" in text
            for group in ("16-29", "30-64", "65+"):
                assert group in text
            assert "Is the link loneliness → later GHQ-12 distress the same in every life stage?" in text
            assert main.locator("img").count() >= 1, "the forest plot"
            assert page.locator("[data-testid='stException']").count() == 0
            assert "Traceback" not in text
            page.get_by_role("heading", name="Effects in each group").scroll_into_view_if_needed()
            page.screenshot(path=str(shots / "3-groups.png"))

            # A refresh starts a new session: the address's key brings the answer back, with no button pressed.
            assert "s=" in page.url
            page.reload()
            page.get_by_text("Pairs of groups").wait_for(timeout=60_000)
            assert "between life stage groups" in main.inner_text()
            page.get_by_role("link", name="Cross-lag model").click()
            page.get_by_text("The model in lavaan syntax").wait_for(timeout=60_000)
            assert "shown from the cache" in main.inner_text()
            page.screenshot(path=str(shots / "4-after-refresh.png"))
        finally:
            browser.close()
    assert sorted(p.name for p in shots.glob("*.png")) == ["1-data.png", "2-crosslag.png", "3-groups.png",
                                                           "4-after-refresh.png"]


def test_pages_fit_a_phone_and_a_desktop_without_sideways_scrolling(server):
    """Each page at phone width (390 px) and desktop width: nothing wider than the window."""
    sync_api = pytest.importorskip("playwright.sync_api")
    overflow = "() => document.documentElement.scrollWidth - window.innerWidth"
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            for width, height in ((390, 844), (1400, 1000)):
                page = browser.new_page(viewport={"width": width, "height": height})
                for path, done in (("", "Individual people's answers are not shown"), ("glossary", "Glossary"),
                                   ("crosslag", "Fit model"), ("groups", "Compare groups"), ("causal", "Estimate"),
                                   ("pool", "Across studies: pool the cross-lags"),
                                   ("power", "How many people does the study need?"),
                                   ("report", "What the report will contain")):
                    page.goto(f"{server}/{path}")
                    page.get_by_text(done).first.wait_for(timeout=120_000)
                    if path == "crosslag":
                        page.get_by_role("button", name="Fit model").click()
                        page.get_by_text("The model in lavaan syntax").wait_for(timeout=120_000)
                    page.wait_for_timeout(500)
                    assert page.evaluate(overflow) <= 1, f"{path or 'data'} at {width} px scrolls sideways"
                    if path == "groups":  # the crossed view: small multiples and a six-column table of tests
                        page.get_by_text("groupings crossed (e.g. life stage × stigma group)").click()
                        page.get_by_role("button", name="Compare crossed groups").click()
                        page.get_by_text("Estimates by cell").wait_for(timeout=300_000)
                        page.wait_for_timeout(500)
                        assert page.locator("[data-testid='stException']").count() == 0
                        assert page.evaluate(overflow) <= 1, f"the crossed view at {width} px scrolls sideways"
                page.close()
        finally:
            browser.close()
