"""TOC parsing on the real report and on the markup variants it contains."""

from __future__ import annotations

from collections import Counter

import pytest

from ingest.toc import parse_toc


@pytest.fixture(scope="module")
def lines(corpus_path):
    return corpus_path.read_text(encoding="utf-8").split("\n")


@pytest.mark.unit
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_eight_chapters_with_labels(lines, lang):
    chapters = [e for e in parse_toc(lines, lang) if e.kind == "chapter"]
    assert [e.chapter for e in chapters] == list(range(1, 9))
    if lang == "zh":
        assert chapters[3].heading == "第肆章 新住民照顧輔導"
        assert chapters[0].label == "第壹章"
    else:
        assert chapters[3].heading == "Chapter IV Care and Counseling for New Immigrants"
        assert chapters[1].heading == "Chapter II Border Security Maintenance"
        assert chapters[7].label == "Chapter VIII"


@pytest.mark.unit
def test_entry_counts_per_chapter_agree_between_languages(lines):
    count = {
        lang: Counter((e.chapter, e.level) for e in parse_toc(lines, lang) if e.kind == "heading")
        for lang in ("zh", "en")
    }
    assert count["zh"] == count["en"]
    assert sum(count["zh"].values()) == 126
    assert count["zh"][(2, 2)] == 17  # 第貳章 has 17 (一)-level entries


@pytest.mark.unit
def test_pages_and_markup_variants(lines):
    zh = {e.heading: e for e in parse_toc(lines, "zh")}
    en = {e.heading: e for e in parse_toc(lines, "en")}
    # <b>…</b>\t<b>16</b>
    assert zh["二、精進人口販運防制"].page == 16
    # no dotted leader, only a tab before the page
    assert zh["二、吸引國際人才來臺"].page == 31
    # an entry after a blank line inside the chapter block
    assert zh["(三) 定期召開管理審查會議"].page == 48
    # '#### **4. Stringent Border Security .....76**'
    assert en["4. Stringent Border Security"].page == 76
    # '### **3. Supporting …91**' is a level-1 heading, not a chapter
    assert en["3. Supporting New Immigrants and Their Children"].level == 1
    # title wrapped onto two lines with a trailing double space
    wrapped = "(4) Pre-Household Registration Welfare and Assistance Plan for New Immigrants under Special Circumstances"
    assert en[wrapped].page == 91
    assert en[wrapped].key == (2, 4)
    assert (
        en[
            '(2) Amending the "Regulations Governing Visits, Residency, and Permanent Residency of Aliens"'
        ].page
        == 98
    )


@pytest.mark.unit
def test_appendix_lines_are_kept_apart(lines):
    app = [e for e in parse_toc(lines, "zh") if e.kind == "appendix"]
    assert [(e.title, e.page) for e in app][0] == ("附錄", 135)
    assert all(e.chapter is None for e in app)


@pytest.mark.unit
def test_no_toc_gives_no_entries():
    assert parse_toc(["# Hello", "", "some text"], "zh") == []
