"""Section trees on the real report: counts per chapter, exact paths and pages, headings vs. body items."""

from __future__ import annotations

from collections import Counter

import pytest

ZH_424 = "第肆章 新住民照顧輔導 > 二、營造新家鄉安居環境 > (四) 設籍前新住民遭逢特殊境遇相關福利及扶助計畫"
EN_424 = (
    "Chapter IV Care and Counseling for New Immigrants > 2. Creating Comfortable Living Environments in New Homes"
    " > (4) Pre-Household Registration Welfare and Assistance Plan for New Immigrants under Special Circumstances"
)


@pytest.mark.integration
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_sections_per_chapter_equal_the_toc(ingest_result, lang):
    toc = Counter(e.chapter for e in ingest_result.toc if e.lang == lang and e.kind == "heading")
    body = Counter(
        int(s.section_id.split("/")[1]) for s in ingest_result.sections_in(lang) if s.level in (1, 2)
    )
    assert body == toc
    chapters = [
        s for s in ingest_result.sections_in(lang) if s.level == 0 and s.section_id.split("/")[1].isdigit()
    ]
    assert len(chapters) == 8


@pytest.mark.integration
@pytest.mark.parametrize(
    ("section_id", "path", "page"),
    [
        ("zh/4/2/4", ZH_424, 25),
        ("en/4/2/4", EN_424, 91),
        ("zh/2/1/1", "第貳章 國境安全維護 > 一、便民通關服務 > (一) 推廣自動查驗通關", 5),
        (
            "en/2/1/1",
            "Chapter II Border Security Maintenance > 1. Visitor-Friendly Immigration Services"
            " > (1) Promoting the Automated Immigration Clearance System",
            69,
        ),
        # 三、 printed without any heading markup in the body
        ("zh/2/3", "第貳章 國境安全維護 > 三、精進查驗職能", 10),
        # deeper levels inherit the parent's page
        (
            "zh/3/2/1/2",
            "第參章 外來人口管理 > 二、精進人口販運防制 > (一) 防制成效 > 2. 保護 ( Protection )",
            16,
        ),
        (
            "en/3/2/1/2/1",
            "Chapter III Foreign Nationals Management > 2. Enhancing the Prevention of Human Trafficking"
            " > (1) Prevention Results > ii. Protection > (i) Placement for Human Trafficking Victims",
            83,
        ),
        ("zh/8/5", "第捌章 行政業務 > 五、訓練業務", 63),
        ("en/8/5", "Chapter VIII Administrative Affairs > 5. The NIA Training Center", 134),
        (
            "zh/8/4/6/1/2",
            "第捌章 行政業務 > 四、秘書業務 > (六) 法制作業 > 1. 制（訂）定修正法令 > (2) 法規命令",
            60,
        ),
        ("zh/preface/minister", "部長序", None),
        ("en/preface/director", "Foreword by the Director-General", None),
    ],
)
def test_exact_paths_and_pages(ingest_result, section_id, path, page):
    s = ingest_result.section(section_id)
    assert s is not None, section_id
    assert s.path_str == path
    assert s.page == page


@pytest.mark.integration
def test_body_text_is_under_its_own_heading(ingest_result):
    assert "421 萬 8,817" in ingest_result.section("zh/4/2/4").text
    assert "4,218,817" in ingest_result.section("en/4/2/4").text
    # the parent holds only its own intro, not its children's text
    assert "421 萬 8,817" not in ingest_result.section("zh/4/2").text
    # preface text stops at the separator
    assert "劉世芳" in ingest_result.section("zh/preface/minister").text
    assert "署長序" not in ingest_result.section("zh/preface/minister").text


@pytest.mark.integration
def test_long_numbered_items_are_body_text_not_headings(ingest_result):
    # "(1) 蒙古籍貨輪…送返案。" is a list item of 1. 海難救助, not a heading
    assert not [s for s in ingest_result.sections if s.parent_id == "zh/5/4/3/1"]
    assert "蒙古籍貨輪" in ingest_result.section("zh/5/4/3/1").text
    # "- (i) 114 service procurement projects…" has no i.-level heading above it
    assert not [s for s in ingest_result.sections if s.parent_id == "en/8/4/4"]
    # "- (2) 核發…" continues the sibling heading "(1) 提供被害人安置", so it belongs to "2. 保護"
    assert "臨時停留許可" in ingest_result.section("zh/3/2/1/2").text
    assert "臨時停留許可" not in ingest_result.section("zh/3/2/1/2/1").text


@pytest.mark.integration
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_stray_lines_and_captions_are_not_headings(ingest_result, lang):
    table_sections = {t.section_id for t in ingest_result.tables}  # 表 3-1: a table, not a stray caption
    for s in ingest_result.sections_in(lang):
        if s.section_id in table_sections:
            continue
        last = s.path[-1]
        assert not last.startswith(("Chapter 3", "Chapter 5", "圖 ", "表 ", "Figure", "Table ")), s.section_id
    en_text = "\n".join(s.text for s in ingest_result.sections_in("en"))
    assert "\nChapter 3\n" not in en_text and "Chapter 5\n" not in en_text


@pytest.mark.integration
def test_page_break_split_paragraph_is_rejoined(ingest_result):
    text = ingest_result.section("zh/preface/director").text
    assert "呈現本署的重要工作紀錄" in text
    en = ingest_result.section("en/5/3/1").text  # split by a stray '# Chapter 5' line
    assert "native-born Taiwanese, helping them understand" in en
    # ...but captions and bold regulation titles stay lines of their own
    paras = ingest_result.section("en/3/1/2").text.split("\n")
    assert (
        "Figure 3-1 Number of undocumented migrant workers detained by national security authorities" in paras
    )
    paras = ingest_result.section("en/8/4/6/1/2").text.split("\n")
    assert "Regulations Governing Visiting, Residency, and Permanent Residency of Aliens" in paras


@pytest.mark.integration
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_ids_unique_and_parents_exist(ingest_result, lang):
    secs = ingest_result.sections_in(lang)
    ids = [s.section_id for s in secs]
    assert len(ids) == len(set(ids))
    for s in secs:
        if s.parent_id:
            parent = ingest_result.section(s.parent_id)
            assert parent is not None and s.path[:-1] == parent.path


@pytest.mark.integration
def test_toc_entries_point_at_sections_with_their_heading(ingest_result):
    for e in ingest_result.toc:
        s = ingest_result.section(e.section_id)
        if e.kind == "heading":
            assert s.path[-1] == e.heading and s.page == e.page
        elif e.kind == "chapter":
            assert s.path == (e.heading,)
    app = {e.title: e.section_id for e in ingest_result.toc if e.kind == "appendix"}
    assert app["本署國、內外服務據點"] == app["NIA Domestic and Overseas Office Location"]
    assert app["重要業務統計"] == app["Statistics on key Policy Achievements"]
