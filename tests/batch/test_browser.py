"""The reports in a real browser: headless Chromium opens the index and follows every link.

A tiny run (the batch tests' tiny notebooks, two forces) builds a report tree; Chromium
opens ``index.html``, follows every link, and checks on each page that images load, the
console shows no error, anchors resolve and the page links back to the index. The filter
box is typed into, and the index and a force report are printed to PDF on A4. Screenshots
(first screen and whole page) and the PDFs go to ``build/screenshots/`` for a person to
look at.

Set ``SOTERIA_BROWSER_REPORTS`` to a built ``reports/`` folder (e.g. the synthetic
default in ``build/notebook-root/reports``) to check that tree as well; there each force
report's summary (its heading and every row of its table) must be in the first screen, ending
at least 5% above its bottom, and every
image must have alternative text saying what it shows.

Skipped only when Debian's Chromium is not installed (``apt-get install chromium
chromium-driver``; ``.ci/run`` installs them).
"""

from __future__ import annotations

import base64
import os
import re
import shutil
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

import pytest

from soteria_research.batch.runner import run_reports

from .helpers import FORCE_NB, NATIONAL_NB, REPO, write_cases

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOTS = REPO / "build" / "screenshots"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
VIEWPORT = (1280, 900)
#: The summary table must end this far up the first screen at most (a clear margin, not a
#: pixel to spare).
SUMMARY_SHARE = 0.95
#: Height of an A4 page in PDF points.
A4_POINTS = (595, 842)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.xdist_group("browser"),
    pytest.mark.skipif(
        not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()),
        reason="Chromium is not installed (apt-get install chromium chromium-driver; "
        ".ci/run installs them): the real-browser test cannot run",
    ),
]

BROKEN_IMAGES = """
return Array.from(document.images)
  .filter(function (i) { return !i.complete || i.naturalWidth === 0; })
  .map(function (i) { return (i.getAttribute('src') || '').slice(0, 60); });
"""
SUMMARY_TABLE = """
var t = document.querySelector('table.summary');
var r = t ? t.getBoundingClientRect() : null;
var last = t ? t.querySelector('tbody tr:last-child').getBoundingClientRect() : null;
return [r ? r.top : null, last ? last.bottom : null, window.innerHeight];
"""
NO_ALT = """
return Array.from(document.images)
  .map(function (i) { return i.getAttribute('alt') || ''; })
  .filter(function (a) { return !a || /^No description has been provided/.test(a); });
"""
LINKS = "return Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'));"


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.add_argument(f"--window-size={VIEWPORT[0]},{VIEWPORT[1]}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def tiny_reports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A report tree from a tiny run: two forces, the national report, the evidence base."""
    root = tmp_path_factory.mktemp("browser-root")
    saved = {k: os.environ.get(k) for k in ("SOTERIA_ROOT", "SOTERIA_CONFIG_DIR")}
    os.environ["SOTERIA_ROOT"] = str(root)
    shutil.copytree(REPO / "config", root / "config")
    os.environ["SOTERIA_CONFIG_DIR"] = str(root / "config")
    try:
        write_cases(root, "durham", "Durham", n=40, every=8)
        write_cases(root, "cleveland", "Cleveland", n=60, every=6)
        summary = run_reports(
            jobs=2, force_notebook=FORCE_NB, national_notebook=NATIONAL_NB, progress=False
        )
        assert summary.exit_code == 0, summary.table.to_string()
        yield root / "reports"
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _local(url: str) -> Path:
    return Path(unquote(urlsplit(url).path))


def _shoot(driver, name: str) -> None:
    """Save the first screen and the whole page as PNG under build/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))
    height = driver.execute_script("return document.documentElement.scrollHeight")
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {
                "x": 0,
                "y": 0,
                "width": VIEWPORT[0],
                "height": min(height, 12000),
                "scale": 1,
            },
        },
    )
    (SCREENSHOTS / f"{name}.full.png").write_bytes(base64.b64decode(shot["data"]))


def _pdf_pages(driver, name: str) -> list[tuple[float, float]]:
    """Print the page as Chromium does (CSS page size honoured); return each page's size."""
    pdf = base64.b64decode(
        driver.execute_cdp_cmd("Page.printToPDF", {"preferCSSPageSize": True})["data"]
    )
    (SCREENSHOTS / f"{name}.pdf").write_bytes(pdf)
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    return [(float(w), float(h)) for w, h in boxes]


def _console_errors(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def crawl(driver, reports: Path, label: str, summary_first: bool = False) -> dict[str, list]:
    """Open the index, follow every link; return the problems found per page."""
    reports = reports.resolve()
    start = reports / "index.html"
    queue, seen, problems = deque([start]), {start}, {}
    while queue:
        page = queue.popleft()
        driver.get(page.as_uri())
        name = f"{label}-{page.relative_to(reports).as_posix().replace('/', '-')[:-5]}"
        found = []
        found += [f"broken image {src}" for src in driver.execute_script(BROKEN_IMAGES)]
        found += [f"console: {m}" for m in _console_errors(driver)]
        for href in driver.execute_script(LINKS):
            target, fragment = urldefrag(href)
            if re.match(r"^[a-z]+:", target) and not target.startswith("file:"):
                found.append(f"link leaves the reports: {href}")
                continue
            path = (page.parent / unquote(target)).resolve() if target else page
            if not path.is_file():
                found.append(f"link to a missing file: {href}")
            elif fragment and path == page:
                exists = driver.execute_script(
                    "return document.getElementById(arguments[0]) !== null;", unquote(fragment)
                )
                if not exists:
                    found.append(f"anchor not on the page: {href}")
            if path.suffix == ".html" and path.is_file() and path not in seen:
                seen.add(path)
                queue.append(path)
        if page != start:
            back = driver.execute_script(
                "var a = document.querySelector('nav.back a'); return a && a.href;"
            )
            if not back or _local(back).resolve() != start:
                found.append("no link back to the index")
            top = driver.execute_script(
                "var h = Array.from(document.querySelectorAll('main h2'))"
                ".find(function (e) { return /^summary/i.test(e.textContent.trim()); });"
                "return h ? h.getBoundingClientRect().top : null;"
            )
            if summary_first and page.parent.name == "forces":
                box = driver.execute_script(SUMMARY_TABLE)
                if top is None or top > box[2]:
                    found.append(f"summary not in the first screen (top at {top})")
                if box[1] is None or box[1] > SUMMARY_SHARE * box[2]:
                    found.append(
                        f"summary table not all in the first screen with a margin (ends at "
                        f"{box[1]} px of {box[2]}; at most {SUMMARY_SHARE:.0%})"
                    )
        if summary_first:  # the built reports: every figure says what it shows
            found += [f"image without alt text: {a[:60]}" for a in driver.execute_script(NO_ALT)]
        _shoot(driver, name)
        problems[page.relative_to(reports).as_posix()] = found
    return problems


def test_every_page_and_link_works_in_chromium(browser, tiny_reports: Path) -> None:
    problems = crawl(browser, tiny_reports, "tiny")
    assert set(problems) >= {
        "index.html",
        "forces/durham.html",
        "forces/cleveland.html",
        "national/national_evidence.html",
    }
    assert {page: found for page, found in problems.items() if found} == {}
    assert (SCREENSHOTS / "tiny-index.png").stat().st_size > 10_000


def test_index_filter_works_offline(browser, tiny_reports: Path) -> None:
    from selenium.webdriver.common.by import By

    browser.get((tiny_reports / "index.html").resolve().as_uri())
    box = browser.find_element(By.ID, "force-filter")
    assert box.is_displayed()  # the script shows the box
    visible = "return Array.from(document.querySelectorAll('#forces tr.force')).filter(r => r.offsetParent !== null).map(r => r.cells[0].textContent);"
    assert browser.execute_script(visible) == ["Cleveland", "Durham"]
    box.send_keys("durh")
    assert browser.execute_script(visible) == ["Durham"]
    box.clear()
    box.send_keys("north east")
    assert browser.execute_script(visible) == ["Cleveland", "Durham"]
    box.clear()
    box.send_keys("gwent")
    assert browser.execute_script(visible) == []
    assert browser.find_element(By.ID, "filter-count").text == "0 shown"
    _shoot(browser, "tiny-index-filtered")
    assert _console_errors(browser) == []


def test_pages_print_on_a4(browser, tiny_reports: Path) -> None:
    for relative in ("index.html", "forces/durham.html"):
        browser.get((tiny_reports / relative).resolve().as_uri())
        pages = _pdf_pages(browser, f"tiny-{relative.replace('/', '-')[:-5]}")
        assert pages, relative
        for width, height in pages:
            assert (round(width), round(height)) == A4_POINTS, relative


@pytest.mark.skipif(
    not os.environ.get("SOTERIA_BROWSER_REPORTS"),
    reason="SOTERIA_BROWSER_REPORTS names no built reports folder to check",
)
def test_a_built_report_tree_in_chromium(browser) -> None:
    reports = Path(os.environ["SOTERIA_BROWSER_REPORTS"])
    assert (reports / "index.html").is_file(), f"{reports} holds no index.html"
    problems = crawl(browser, reports, "built", summary_first=True)
    assert {page: found for page, found in problems.items() if found} == {}


def test_the_crawl_finds_what_is_broken(browser, tmp_path: Path) -> None:
    """Broken images, console errors, missing files, missing anchors, no way back."""
    (tmp_path / "index.html").write_text(
        '<!DOCTYPE html><html><body><a href="a.html">a</a> <a href="#nowhere">x</a></body></html>'
    )
    (tmp_path / "a.html").write_text(
        '<!DOCTYPE html><html><body><img src="missing.png" alt="gone">'
        '<a href="b.xlsx">b</a><script>undefinedFunction();</script></body></html>'
    )
    problems = crawl(browser, tmp_path, "selftest")
    assert problems["index.html"] == ["anchor not on the page: #nowhere"]
    found = " | ".join(problems["a.html"])
    for expected in (
        "broken image missing.png",
        "console:",
        "link to a missing file: b.xlsx",
        "no link back to the index",
    ):
        assert expected in found
