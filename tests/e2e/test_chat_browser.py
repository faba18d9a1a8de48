"""The chat page in a real headless Chromium (Debian's), against the real server and pipeline."""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.formatting import media_reply
from app.settings import Settings
from app.web.run import BackgroundServer, start_background
from app.web.server import create_app

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ZH_Q = "112年8月高雄港入出境人次是多少？"
EN_Q = "How many entries and exits went through Keelung Sea Port in July 2023?"
UNANSWERABLE_Q = "Will Taiwan keep its Tier 1 ranking in the 2024 Trafficking in Persons Report?"
FINAL = "#nia-chat .nia-answer:not(.nia-streaming), #nia-chat .nia-notice"


@pytest.fixture(scope="module")
def server(pipeline, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackgroundServer]:
    db = tmp_path_factory.mktemp("e2e") / "feedback.sqlite3"
    settings = Settings().with_overrides(feedback_db=db)
    app = create_app(lambda _s: pipeline, settings)
    srv = start_background(app)
    assert app.state.service.wait_ready(60)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (make browser installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


def _ask(page, question: str) -> None:
    before = page.locator(FINAL).count()
    page.fill("#nia-question textarea", question)
    page.click("#nia-send")
    page.wait_for_function(
        "([sel, n]) => document.querySelectorAll(sel).length > n", arg=[FINAL, before], timeout=60_000
    )


def _answer(page, n: int):
    """The n-th finished answer/notice (0-based); a fixed position, unlike ``.last`` which moves on."""
    return page.locator(FINAL).nth(n)


def _feedback_rows(db: Path, question: str, timeout: float = 10.0) -> list[tuple]:
    deadline = time.monotonic() + timeout
    while True:
        rows = []
        if db.exists():
            with sqlite3.connect(db) as conn:
                rows = conn.execute(
                    "SELECT vote, answer, citations_json, created_at FROM feedback WHERE question = ?",
                    (question,),
                ).fetchall()
        if rows or time.monotonic() > deadline:
            return rows
        time.sleep(0.2)


def test_chat_answers_cites_abstains_and_records_feedback(server, browser, pipeline, tmp_path: Path) -> None:
    expected_zh = pipeline.ask(ZH_Q)
    expected_en = pipeline.ask(EN_Q)
    expected_none = pipeline.ask(UNANSWERABLE_Q)
    assert not expected_zh.abstained and not expected_en.abstained and expected_none.abstained

    page = browser.new_page(locale="en-US", viewport={"width": 1280, "height": 1400})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server.url)
    page.wait_for_selector("#nia-question textarea")
    # Interface language follows the browser (en-US here).
    page.wait_for_function(
        "document.querySelector('#nia-question label').innerText.includes('Your question')", timeout=15_000
    )
    # Record whether the answer text streams in (partial states appear before the final one).
    page.evaluate(
        """() => { window.__streamed = 0; new MutationObserver(() => {
             if (document.querySelector('#nia-chat .nia-streaming')) window.__streamed++; })
           .observe(document.body, {subtree: true, childList: true, characterData: true}); }"""
    )

    # 1. Chinese question: the answer, then a numbered citation with its page, evidence one click away.
    _ask(page, ZH_Q)
    zh = _answer(page, 0)
    assert zh.locator(".nia-text").inner_text().strip() == expected_zh.answer.strip()
    assert page.evaluate("window.__streamed") > 1
    first = expected_zh.citations[0]
    summary = zh.locator("details.nia-cite > summary").first
    assert summary.inner_text().startswith("[1]")
    assert f"第{first.page}頁" in summary.inner_text()
    quote = zh.locator("details.nia-cite .nia-quote").first
    assert not quote.is_visible()
    summary.click()
    assert quote.is_visible() and quote.inner_text().strip()[:20] == first.quote.strip()[:20]
    twin = zh.locator("details.nia-cite details.nia-twin > summary").first
    twin.click()
    assert twin.inner_text().startswith("English: ") and first.path_en.split(" > ")[0] in twin.inner_text()
    page.screenshot(path=str(tmp_path / "chat-zh-sources.png"), full_page=True)

    # 2. English question: English answer and "(p. N)".
    _ask(page, EN_Q)
    en = _answer(page, 1)
    assert en.locator(".nia-text").inner_text().strip() == expected_en.answer.strip()
    assert (
        f"(p. {expected_en.citations[0].page})" in en.locator("details.nia-cite > summary").first.inner_text()
    )
    # The media-reply box holds the same text as `nia-qa ask --format media`.
    assert page.locator("#nia-media textarea").input_value() == media_reply(expected_en)

    # 3. Unanswerable: shown as an abstention (not an error), with the nearest sections.
    _ask(page, UNANSWERABLE_Q)
    none = _answer(page, 2)
    assert "nia-abstained" in (none.get_attribute("class") or ""), none.inner_html()[:500]
    assert "Not in the report" in none.inner_text()
    if expected_none.citations:
        assert "Nearest sections" in none.inner_text()

    # 4. Thumbs up on the first (Chinese) answer lands in SQLite, with its citations.
    page.locator('#nia-chat button[aria-label="Like"]').first.click()
    rows = _feedback_rows(server.app.state.feedback.path, ZH_Q)
    assert len(rows) == 1 and rows[0][0] == 1 and rows[0][1] == expected_zh.answer
    assert f'"page": {first.page}' in rows[0][2]

    # 5. Clicking an earlier answer puts its media reply in the box.
    zh.locator(".nia-text").click()
    page.wait_for_function(
        "(t) => document.querySelector('#nia-media textarea').value === t", arg=media_reply(expected_zh)
    )

    shot = tmp_path / "chat.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    print(f"screenshot: {shot}")
    assert not errors, errors
    page.close()


def test_input_limits_escaping_and_ui_toggle(server, browser) -> None:
    page = browser.new_page(locale="zh-TW")
    page.goto(server.url)
    page.wait_for_selector("#nia-question textarea")
    page.wait_for_function("document.querySelector('#nia-question label').innerText.includes('您的問題')")

    # Empty input is ignored: nothing is added to the chat.
    page.fill("#nia-question textarea", "   ")
    page.click("#nia-send")
    time.sleep(1.0)
    assert page.locator("#nia-chat .nia-question").count() == 0

    # Over-long input is refused with a message (and nothing is asked).
    _ask(page, "移" * 1001)
    refusal = _answer(page, 0).inner_text()
    assert "太長" in refusal and "1001" in refusal

    # Markup in a question is shown as text; no script runs.
    page.evaluate("window.__xss = 0")
    hostile = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>移民署的電話？'
    _ask(page, hostile)
    assert page.evaluate("window.__xss") == 0
    assert page.locator("#nia-chat img[src='x'], #nia-chat script").count() == 0
    assert "<img src=x" in page.locator("#nia-chat .nia-question").last.inner_text()

    # The interface toggle switches labels to English.
    page.locator("#nia-ui-lang label", has_text="English").click()
    page.wait_for_function(
        "document.querySelector('#nia-question label').innerText.includes('Your question')"
    )
    assert re.search(r"Copy as media reply", page.locator("#nia-copy").inner_text())
    page.close()
