"""Chat rendering: escaping (no markup from a question or the report), sources, abstentions, twins."""

from __future__ import annotations

import re
from html import unescape as html_unescape

import pytest

from app.records import Answer, Citation
from app.web.render import TwinLookup, answer_html, highlight, notice_html, partial_html, question_text
from ingest.records import Section, Table, TableRow

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


def test_answer_first_then_numbered_sources_with_page_quote_and_twin() -> None:
    html = answer_html(_answer(), TwinLookup(_sections()))
    assert html.index('<p class="nia-text"><strong>') < html.index('class="nia-sources"')
    assert html.count('<li class="nia-cite"') == 1
    assert "<b>[1]</b> " + ZH_PATH.replace(">", "&gt;") in html
    assert "第25頁" in html
    twin = re.search(r'<details class="nia-twin".*?</details>', html).group(0)
    assert "English: Chapter IV Care and Counseling" in twin and "p. 91" in twin
    # The twin shows the English sentence that states the quote's figure, whitespace collapsed.
    assert "NT$4,218,817" in twin


def test_the_answer_figure_is_highlighted_in_the_quote_but_not_dates() -> None:
    out = highlight(
        "截至 112 年底止，我國新住民人數共計 59 萬 2,561 人，新住民子女逾 47 萬人。", "共計59萬2,561人"
    )
    assert '<mark class="nia-figure">59 萬 2,561</mark>' in out
    assert "<mark" not in out.replace('<mark class="nia-figure">59 萬 2,561</mark>', "")
    out = highlight("In 2023, the total authorized budget was NT$ 4,218,817.", "NT$4,218,817 in 2023")
    assert '<mark class="nia-figure">4,218,817</mark>' in out and '<mark class="nia-figure">2023' not in out


def test_table_citation_twin_shows_the_cell_in_both_languages() -> None:
    table = Table(
        "table/01",
        "appendix/tables/01",
        "112年各機場、港口入出國（境）人數統計表",
        "Number of Entries and Exits by Place",
        "人次",
        "Passengers",
        ("總計 Total", "高雄港 Kaohsiung Sea Port"),
        (TableRow("8月", "Aug", ("1,000", "37,958")),),
        page=143,
    )
    cite = Citation(
        "appendix/tables/01",
        "附錄 > 重要業務統計 > 表",
        "Appendix > Statistics > Table",
        143,
        "8月的高雄港為 37,958 人次。",
    )
    html = answer_html(
        _answer(answer="8月的高雄港為 37,958 人次。", citations=(cite,)), TwinLookup({}, [table])
    )
    assert "第143頁起" in html and "p. 143 ff." in html  # the TOC gives only the appendix part's first page
    cell = re.search(r'<table class="nia-cell">.*?</table>', html).group(0)
    assert "Aug" in cell and "Kaohsiung Sea Port" in cell and "Passengers" in cell and "37,958" in cell


def test_english_answer_uses_english_paths_and_chinese_twin() -> None:
    cite = Citation("en/4/2/4", ZH_PATH, EN_PATH, 91, "NT$4,218,817")
    html = answer_html(_answer(lang="en", answer="NT$4,218,817.", citations=(cite,)), TwinLookup(_sections()))
    assert "Sources" in html and "(p. 91)" in html
    assert "中文: 第肆章 新住民照顧輔導" in html and "第25頁" in html and "中文本文" in html


def test_abstention_is_marked_and_lists_nearest_sections_without_quotes() -> None:
    html = answer_html(_answer(abstained=True, answer="年報未提供113年的資料。"))
    assert 'data-abstained="true"' in html and "年報未提及" in html and "最相關章節" in html
    assert "來源" not in html and "nia-quote" not in html


def test_resolved_follow_up_is_shown() -> None:
    html = answer_html(_answer(question="那8月呢？", resolved_question="112年8月高雄港入出境人次是多少？"))
    assert '<p class="nia-resolved">解讀為：' in html


def test_warnings_are_visible_and_escaped() -> None:
    html = answer_html(_answer(warnings=("英文版為 <u>4,218,871</u>",)))
    assert 'class="nia-warning"' in html and "中英文版本差異" in html and "&lt;u&gt;" in html


def test_twin_without_sections_falls_back_to_the_aligned_path() -> None:
    html = answer_html(_answer())
    assert "English: Chapter IV Care" in html and "nia-twin-text" not in html


def test_question_partial_and_notice_are_escaped() -> None:
    for out in (question_text("<script>x</script>"), partial_html("<b>x"), notice_html("<a href=x>")):
        assert "<script>" not in out and "<b>x" not in out and "<a href" not in out


def test_markdown_in_a_question_is_written_as_entities() -> None:
    out = question_text("**bold** _x_ [a](http://x) `c` # h")
    assert not re.search(r"[*_\[\]()`#]", re.sub(r"&#\d+;", "", out.replace('class="nia-question"', "")))
    assert html_unescape(re.sub(r"<[^>]+>", "", out)) == "**bold** _x_ [a](http://x) `c` # h"
