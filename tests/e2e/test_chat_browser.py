"""The chat page in a real headless Chromium (Debian's), against the real server and pipeline.

Few tests, each one page doing several things, against one server per session (see conftest.py).
The two-turn conversations are dev follow-up items (eval/data/followups.jsonl) whose first turn the
answerer gets right; their expected figures come from that file.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest

from app.formatting import media_reply
from app.records import Turn
from app.web.chat import LATIN_FONTS
from eval.grading import answer_matches

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

FOLLOWUPS = Path(__file__).resolve().parents[2] / "eval" / "data" / "followups.jsonl"
ZH_CONVERSATION = "f003"  # 112年7月高雄港 -> 那8月呢？ (a table month change)
EN_CONVERSATION = "f004"  # Taichung Airport -> And Hualien Airport? (a table place change)
UNANSWERABLE_Q = "Will Taiwan keep its Tier 1 ranking in the 2024 Trafficking in Persons Report?"
FINAL = "#nia-chat .nia-answer:not(.nia-streaming), #nia-chat .nia-notice"
LIKE = 'button[aria-label="Like"], button[aria-label="讚"]'  # Gradio localises the label


def _item(item_id: str) -> dict:
    for line in FOLLOWUPS.read_text(encoding="utf-8").splitlines():
        if line.strip() and json.loads(line)["id"] == item_id:
            return json.loads(line)
    raise LookupError(item_id)


def _wait_more(page, before: int) -> None:
    page.wait_for_function(
        "([sel, n]) => document.querySelectorAll(sel).length > n", arg=[FINAL, before], timeout=60_000
    )


def _ask(page, question: str) -> None:
    before = page.locator(FINAL).count()
    page.fill("#nia-question textarea", question)
    page.click("#nia-send")
    _wait_more(page, before)


def _answer(page, n: int):
    """The n-th finished answer/notice (0-based); a fixed position, unlike ``.last`` which moves on."""
    return page.locator(FINAL).nth(n)


def _open(browser, server, locale: str, viewport: dict | None = None):
    context = browser.new_context(locale=locale, viewport=viewport or {"width": 1280, "height": 1100})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url.rstrip("/"))
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server.url)
    page.wait_for_selector("#nia-question textarea")
    label = "您的問題" if locale.startswith("zh") else "Your question"
    page.wait_for_function(f"document.querySelector('#nia-question label').innerText.includes('{label}')")
    return page, errors


def _toast(page, text: str) -> str:
    toast = page.locator(".toast-body", has_text=text).first
    toast.wait_for(state="visible", timeout=10_000)
    return toast.inner_text()


def _feedback_rows(db: Path, question: str, timeout: float = 10.0) -> list[tuple]:
    deadline = time.monotonic() + timeout
    while True:
        rows = []
        if db.exists():
            with sqlite3.connect(db) as conn:
                rows = conn.execute(
                    "SELECT vote, answer, citations_json FROM feedback WHERE question = ?", (question,)
                ).fetchall()
        if rows or time.monotonic() > deadline:
            return rows
        time.sleep(0.2)


def test_zh_conversation_answer_first_highlight_twin_copy_and_feedback(
    server, browser, pipeline, shots_dir: Path
) -> None:
    item = _item(ZH_CONVERSATION)
    first_q = item["history"][0]
    expected_first = pipeline.ask(first_q)
    expected = pipeline.ask(item["question"], history=[Turn(first_q)])
    assert answer_matches(expected.answer, item["must_include"]), expected.answer

    page, errors = _open(browser, server, "zh-TW")
    # The first screen: a short welcome and example chips in the UI language.
    assert "您好" in page.locator("#nia-chat").inner_text()
    assert page.locator(".nia-example").count() >= 4

    _ask(page, first_q)
    _ask(page, item["question"])
    second = _answer(page, 1)
    # The follow-up is answered right and says how it was understood.
    assert answer_matches(second.locator(".nia-text").inner_text(), item["must_include"])
    assert second.locator(".nia-resolved").inner_text().startswith("解讀為：")
    # Answer first (bold), sources after it.
    assert second.locator(".nia-text strong").count() == 1
    text_box = second.locator(".nia-text").bounding_box()
    sources_box = second.locator(".nia-sources").bounding_box()
    assert text_box and sources_box and text_box["y"] + text_box["height"] <= sources_box["y"] + 1
    # The cited figure is highlighted in the verbatim quote; the page is printed as "第N頁(起)".
    cite = expected.citations[0]
    marks = second.locator(".nia-quote mark.nia-figure").all_inner_texts()
    assert any(answer_matches(m, item["must_include"]) for m in marks), marks
    assert f"第{cite.page}頁" in second.locator(".nia-cite-head").first.inner_text()
    # The other language one click away: for a table cell, its bilingual row, column and unit.
    twin = second.locator("details.nia-twin").first
    twin.locator("summary").click()
    cell = twin.locator("table.nia-cell")
    assert (
        cell.is_visible() and "Kaohsiung Sea Port" in cell.inner_text() and "Passengers" in cell.inner_text()
    )

    # The media box holds `ask --format media` for the latest answer; copy confirms (toast + clipboard).
    media = page.locator("#nia-media textarea")
    assert media.input_value() == media_reply(expected)
    page.click("#nia-copy")
    assert "已複製媒體回覆" in _toast(page, "已複製")
    assert page.locator("#nia-copy").get_attribute("data-copied") == "true"
    assert page.evaluate("navigator.clipboard.readText()") == media_reply(expected)
    # The other language's original only on request.
    assert "英文版原文" not in media.input_value()
    page.locator("#nia-with-original input").check()
    page.wait_for_function("() => document.querySelector('#nia-media textarea').value.includes('英文版原文')")
    page.locator(".toast-body").first.wait_for(state="detached", timeout=15_000)

    # Thumbs up on the first answer lands in SQLite; the thanks toast is in Chinese.
    page.locator("#nia-chat").locator(LIKE).first.click()
    assert "感謝您的回饋" in _toast(page, "感謝")
    title = page.evaluate(
        """() => { const s = document.querySelector('.toast-body .toast-title-row > span');
                   return [getComputedStyle(s).fontSize, getComputedStyle(s, '::before').content]; }"""
    )
    assert title == ["0px", '"提示"'], title  # Gradio's English "Info" is hidden, a Chinese title shown
    rows = _feedback_rows(server.app.state.feedback.path, first_q)
    assert len(rows) == 1 and rows[0][0] == 1 and rows[0][1] == expected_first.answer

    shot = shots_dir / "chat-zh-desktop.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")
    assert not errors, errors
    page.context.close()


def test_en_conversation_example_chip_abstention_and_thumbs_only_on_answers(
    server, browser, pipeline
) -> None:
    item = _item(EN_CONVERSATION)
    page, errors = _open(browser, server, "en-US")
    # The welcome and the chips follow the interface language (English here, from the browser).
    page.wait_for_function("document.querySelector('#nia-chat').innerText.includes('Hello')")
    assert "Try:" in page.locator("#nia-examples").inner_text()
    # An example chip sends its question at once.
    chip = page.locator(".nia-example").first
    chip_text = chip.inner_text().strip()
    chip.click()
    _wait_more(page, 0)
    assert page.locator("#nia-chat .nia-question").first.inner_text().strip() == chip_text
    assert not page.locator(".nia-answer").first.get_attribute("class").endswith("streaming")

    _ask(page, item["history"][0])
    _ask(page, item["question"])
    second = _answer(page, 2)
    assert answer_matches(second.locator(".nia-text").inner_text(), item["must_include"])
    assert second.locator(".nia-resolved").inner_text().startswith("Understood as: ")
    assert "(p. " in second.locator(".nia-cite-head").first.inner_text()

    # Unanswerable: an abstention (not an error) with the nearest sections and no quotes.
    expected_none = pipeline.ask(UNANSWERABLE_Q)
    assert expected_none.abstained
    _ask(page, UNANSWERABLE_Q)
    none = _answer(page, 3)
    assert "nia-abstained" in (none.get_attribute("class") or "")
    assert "Not in the report" in none.inner_text()
    if expected_none.citations:
        assert "Nearest sections" in none.inner_text() and none.locator(".nia-quote").count() == 0

    # A refused (over-long) question stays in the input, and its notice gets no thumbs.
    long_q = "x" * 1001
    _ask(page, long_q)
    assert "too long" in _answer(page, 4).inner_text()
    assert page.locator("#nia-question textarea").input_value() == long_q
    # Thumbs (the buttons after a bot message) are visible under answers, hidden under notices.
    thumbs = page.evaluate(
        """() => Array.from(document.querySelectorAll('#nia-chat .message-row.bot-row')).map(row => {
             const next = row.nextElementSibling;
             const like = next && next.querySelector('button[aria-label="Like"]');
             return [row.querySelector('.nia-notice') ? 'notice' : 'answer',
                     !!like && like.getBoundingClientRect().height > 0];
           })"""
    )
    assert ["notice", False] in thumbs and ["answer", True] in thumbs and ["notice", True] not in thumbs, (
        thumbs
    )
    assert not errors, errors
    page.context.close()


def _overlaps(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"] + 0.5
        or b["x"] + b["width"] <= a["x"] + 0.5
        or a["y"] + a["height"] <= b["y"] + 0.5
        or b["y"] + b["height"] <= a["y"] + 0.5
    )


def test_phone_layout_markdown_as_text_and_ui_toggle(server, browser, shots_dir: Path) -> None:
    page, errors = _open(browser, server, "zh-TW", viewport={"width": 390, "height": 844})
    # Nothing is focused on load (focusing scrolls the header away on a phone).
    assert page.evaluate("window.scrollY") == 0
    # Markdown and markup in a question are shown as typed.
    page.evaluate("window.__xss = 0")
    typed = '**粗體** _斜體_ [連結](http://example.org) <img src=x onerror="window.__xss=1"> 移民署的電話？'
    _ask(page, typed)
    bubble = page.locator("#nia-chat .nia-question").last
    assert bubble.inner_text().strip() == typed
    assert bubble.locator("strong, em, a, img").count() == 0 and page.evaluate("window.__xss") == 0

    # The phone layout: the title on one line and not cut, no two parts overlapping, no sideways scroll.
    title = page.locator("#nia-header h2")
    line = float(
        page.evaluate("parseFloat(getComputedStyle(document.querySelector('#nia-header h2')).lineHeight)")
    )
    assert title.bounding_box()["height"] < 1.8 * line
    assert page.evaluate(
        "(() => { const h = document.querySelector('#nia-header h2'); return h.scrollWidth <= h.clientWidth + 1; })()"
    )
    parts = [
        "#nia-header h2",
        "#nia-ui-lang",
        "#nia-chat",
        "#nia-examples",
        "#nia-question",
        "#nia-send",
        "#nia-media",
    ]
    boxes = {sel: page.locator(sel).first.bounding_box() for sel in parts}
    assert all(boxes.values()), boxes
    for i, a in enumerate(parts):
        assert boxes[a]["x"] >= 0 and boxes[a]["x"] + boxes[a]["width"] <= 390 + 0.5, (a, boxes[a])
        for b in parts[i + 1 :]:
            assert not _overlaps(boxes[a], boxes[b]), (a, boxes[a], b, boxes[b])
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # Latin text in a Latin face first (CJK fonts draw English curly quotes full-width).
    family = page.evaluate("getComputedStyle(document.querySelector('#nia-question textarea')).fontFamily")
    assert family.split(",")[0].strip(" '\"") in LATIN_FONTS, family
    # A message is not covered by a chat label.
    assert page.locator("#nia-chat label").filter(has_text="對話").count() == 0
    shot = shots_dir / "chat-zh-phone.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")

    # The interface toggle switches every label, the welcome and the examples.
    page.locator("#nia-ui-lang label", has_text="English").click()
    page.wait_for_function(
        "document.querySelector('#nia-question label').innerText.includes('Your question')"
    )
    assert "Copy media reply" in page.locator("#nia-copy").inner_text()
    page.wait_for_function("document.querySelector('.nia-example').innerText.match(/[A-Za-z]{3}/)")
    assert not errors, errors
    page.context.close()


def test_docs_render_without_network(server, browser) -> None:
    context = browser.new_context()
    page = context.new_page()
    outside: list[str] = []

    def route(r) -> None:
        if r.request.url.startswith(server.url.rstrip("/")):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(server.url.rstrip("/") + "/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=20_000)
    assert "nia-qa" in page.locator(".swagger-ui .info .title").inner_text()
    page.locator(".opblock-summary-path", has_text="/api/ask").first.wait_for(timeout=10_000)
    assert not outside, outside
    context.close()
