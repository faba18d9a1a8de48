"""Chat rendering: escaping (no markup from a question or the report), sources, abstentions, twins."""

from __future__ import annotations

import re

import pytest

from app.records import Answer, Citation
from app.web.render import TwinLookup, answer_html, notice_html, partial_html, question_text
from ingest.records import Section

pytestmark = pytest.mark.unit

ZH_PATH = "第肆章 新住民照顧輔導 > 二、營造新家鄉安居環境 > (四) 設籍前新住民遭逢特殊境遇相關福利及扶助計畫"
EN_PATH = (
    "Chapter IV Care and Counseling for New Immigrants > 2. Creating Comfortable Living Environments in New Homes"
    " > (4) Pre-Household Registration Welfare and Assistance Plan for New Immigrants under Special Circumstances"
)
CITE = Citation(
    "zh/4/2/4", ZH_PATH, EN_PATH, 25, "112年度核定補助<b>421萬8,817元</b><script>alert(1)</script>"
)


def _answer(**kw) -> Answer:
    base = {
        "question": "補助多少錢？",
        "lang": "zh",
        "answer": "112年度核定補助421萬8,817元。<img src=x onerror=alert(1)>",
        "abstained": False,
        "citations": (CITE,),
        "latency_ms": 5.0,
    }
    base.update(kw)
    return Answer(**base)


def _sections() -> dict[str, Section]:
    zh = Section(
        "zh/4/2/4",
        "zh",
        2,
        "(四) 設籍前…",
        tuple(ZH_PATH.split(" > ")),
        25,
        "中文本文",
        aligned_id="en/4/2/4",
    )
    en = Section(
        "en/4/2/4",
        "en",
        2,
        "(4) Pre-…",
        tuple(EN_PATH.split(" > ")),
        91,
        "In 2023, NIA approved\nNT$4,218,817 <i>.",
        aligned_id="zh/4/2/4",
    )
    return {s.section_id: s for s in (zh, en)}


def test_no_markup_from_answer_quote_or_twin_survives() -> None:
    html = answer_html(_answer(), TwinLookup(_sections()))
    assert "<script" not in html and "<img" not in html and "<b>421" not in html and "<i>" not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x" in html
    assert "\n\n" not in html  # one HTML block for the chat's markdown renderer


def test_sources_are_numbered_collapsible_with_page_and_twin() -> None:
    html = answer_html(_answer(), TwinLookup(_sections()))
    assert html.count('<details class="nia-cite"') == 1
    assert "<b>[1]</b> " + ZH_PATH.replace(">", "&gt;") in html
    assert "第25頁" in html
    twin = re.search(r'<details class="nia-twin".*?</details>', html).group(0)
    assert "English: Chapter IV Care and Counseling" in twin and "p. 91" in twin
    assert "NT$4,218,817" in twin  # whitespace of the twin excerpt is collapsed


def test_english_answer_uses_english_paths_and_chinese_twin() -> None:
    cite = Citation("en/4/2/4", ZH_PATH, EN_PATH, 91, "NT$4,218,817")
    html = answer_html(_answer(lang="en", answer="NT$4,218,817.", citations=(cite,)), TwinLookup(_sections()))
    assert "Sources" in html and "(p. 91)" in html
    assert "中文: 第肆章 新住民照顧輔導" in html and "第25頁" in html and "中文本文" in html


def test_abstention_is_marked_and_lists_nearest_sections() -> None:
    html = answer_html(_answer(abstained=True, answer="年報未提供113年的資料。"))
    assert 'data-abstained="true"' in html and "年報未提及" in html and "最相關章節" in html
    assert "來源" not in html


def test_warnings_are_visible_and_escaped() -> None:
    html = answer_html(_answer(warnings=("英文版為 <u>4,218,871</u>",)))
    assert 'class="nia-warning"' in html and "中英文版本差異" in html and "&lt;u&gt;" in html


def test_twin_without_sections_falls_back_to_the_aligned_path() -> None:
    html = answer_html(_answer())
    assert "English: Chapter IV Care" in html and "nia-twin-text" not in html


def test_question_partial_and_notice_are_escaped() -> None:
    for out in (question_text("<script>x</script>"), partial_html("<b>x"), notice_html("<a href=x>")):
        assert "<script>" not in out and "<b>x" not in out and "<a href" not in out
