"""Appendix statistics tables: parsing, re-joining split halves, total checks (real report + small crafted inputs)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ingest.records import Table, TableRow
from ingest.tables import check_table, parse_number, parse_tables
from tests.ingest.appendix_support import parsed_appendix


def _table(fragment: str) -> Table:
    matches = [t for t in parsed_appendix().tables if fragment in t.title_zh or fragment in t.title_en]
    assert len(matches) == 1, [t.title_zh for t in parsed_appendix().tables]
    return matches[0]


def _cell(t: Table, label_zh: str, column: str) -> str:
    row = next(r for r in t.rows if r.label_zh == label_zh)
    j = t.columns.index(column)
    return row.cells[j]


# ---------------------------------------------------------------- real report


@pytest.mark.integration
def test_every_appendix_table_is_found_bilingual_and_rejoined() -> None:
    res = parsed_appendix()
    # The appendix prints nine statistics tables (143ff.); each spans two pages.
    assert len(res.tables) == 9
    assert not [p for p in res.problems if "table" in p or "continuation" in p]
    for t in res.tables:
        assert t.title_zh and t.title_en, t.table_id
        assert t.unit_zh and t.unit_en, t.table_id
        assert t.was_split, t.table_id
        assert t.section_id == "appendix/tables/" + t.table_id.split("/")[1]
        assert len(t.column_pages) == len(t.columns) and set(t.column_pages) == {0, 1}
        for r in t.rows:
            assert len(r.cells) == len(t.columns), (t.table_id, r.label_zh)
            assert r.label_zh and r.label_en, (t.table_id, r)
        assert t.rows[-1].label_zh in {"總計", "合計"} and t.rows[-1].label_en == "Total"


@pytest.mark.integration
def test_unlabeled_second_half_cell_is_read_with_its_row_label() -> None:
    t = _table("Entries and Exits by Place")
    assert t.title_zh == "112年各機場、港口入出國（境）人數統計表"
    assert (t.unit_zh, t.unit_en) == ("人次", "Passengers")
    assert t.row_header == "月份 Month"
    jul = next(r for r in t.rows if r.label_en == "Jul")
    assert jul.label_zh == "7月"
    assert _cell(t, "7月", "基隆港 Keelung Sea Port") == "66,069"
    assert _cell(t, "總計", "基隆港 Keelung Sea Port") == "270,267"
    assert t.cell("總計", "Keelung Sea Port") == "270,267"


@pytest.mark.integration
def test_multi_row_headers_join_group_and_sub_header() -> None:
    t = _table("e-Gate")
    assert t.columns[:2] == ("總計 Total / 註冊 Applicants", "總計 Total / 通關 Users")
    assert _cell(t, "總計", "總計 Total / 註冊 Applicants") == "2,008,690"
    assert _cell(t, "總計", "總計 Total / 通關 Users") == "20,073,026"
    # Second page, own two-row header, Chinese-only group name.
    assert _cell(t, "12月", "桃園機場-T1 Taoyuan Airport-T1 / 通關 Users") == "828,224"
    assert _cell(t, "9月", "高雄港 (自112.9.1起) / 通關 Users") == "1416"


@pytest.mark.integration
def test_continuation_with_empty_label_column_and_group_split_across_pages() -> None:
    t = _table("Business Purposes")
    assert _cell(t, "7月", "入境 Entries / 合計 Total") == "3,347"
    assert _cell(t, "總計", "出境 Exits / 女 Female") == "7,711"
    t = _table("Foreign Residents by Occupation")
    # "年滿十五歲以上…" (page 1, Chinese) and "15 Years Old and Above…" (page 2, English) are one group.
    group = "年滿十五歲以上居留外僑按經濟活動分 15 Years Old and Above by Economic Activities"
    assert f"{group} / 計 Sub-Total" in t.columns
    assert _cell(t, "桃園市", f"{group} / 外籍移工 Foreign Labor") == "118,051"
    assert _cell(t, "連江縣", "未滿十五歲者 Under 15 years Old") == "-"


@pytest.mark.integration
def test_printed_totals_add_up() -> None:
    for t in parsed_appendix().tables:
        assert t.sum_mismatches == (), t.sum_mismatches
        assert check_table(t) == []


@pytest.mark.integration
def test_total_checks_catch_a_misjoined_second_half() -> None:
    """Shift the continuation columns by one row: every table must report mismatches."""
    for t in parsed_appendix().tables:
        cont = [j for j, p in enumerate(t.column_pages) if p == 1]
        n = len(t.rows)
        rows = tuple(
            TableRow(
                r.label_zh,
                r.label_en,
                tuple(t.rows[(i + 1) % n].cells[j] if j in cont else c for j, c in enumerate(r.cells)),
            )
            for i, r in enumerate(t.rows)
        )
        assert check_table(replace(t, rows=rows)), t.table_id


# ---------------------------------------------------------------- crafted inputs


def _lines(text: str) -> list[str]:
    # "<2sp>": the report ends the zh unit line with a markdown line break (two spaces).
    return text.replace("⇥", "\t").replace("<2sp>", "  ").split("\n")


SPLIT = """\
112年測試統計表
Test Statistics

月份 Month⇥合計 Total⇥⇥甲 A⇥⇥
⇥男 Male⇥女 Female⇥男 Male⇥女 Female
1月 Jan⇥3⇥4⇥1⇥2
2月 Feb⇥5⇥6⇥2⇥3
總計 Total⇥8⇥10⇥3⇥5

單位：人<2sp>
Unit : Persons

乙 B⇥⇥
男 Male⇥女 Female
2⇥2
3⇥3
5⇥5
"""


@pytest.mark.unit
def test_crafted_split_table_is_joined_and_checked() -> None:
    res = parse_tables(_lines(SPLIT), 0, len(_lines(SPLIT)))
    assert res.problems == []
    (t,) = res.tables
    assert (t.title_zh, t.title_en, t.unit_zh, t.unit_en) == (
        "112年測試統計表",
        "Test Statistics",
        "人",
        "Persons",
    )
    assert t.columns == (
        "合計 Total / 男 Male",
        "合計 Total / 女 Female",
        "甲 A / 男 Male",
        "甲 A / 女 Female",
        "乙 B / 男 Male",
        "乙 B / 女 Female",
    )
    assert t.cell("2月", "乙 B / 女") == "3"
    assert t.sum_mismatches == ()


@pytest.mark.unit
def test_crafted_wrong_total_and_row_count_mismatch_are_reported() -> None:
    bad = SPLIT.replace("2月 Feb⇥5⇥6⇥2⇥3", "2月 Feb⇥5⇥7⇥2⇥3").replace("3⇥3\n5⇥5\n", "5⇥5\n")
    res = parse_tables(_lines(bad), 0, len(_lines(bad)))
    assert any("2 rows" in p and "3" in p for p in res.problems), res.problems
    (t,) = res.tables
    assert t.sum_mismatches  # 女 Female total no longer adds up


@pytest.mark.unit
@pytest.mark.parametrize(
    ("value", "expected"),
    [("1,234", 1234), ("17827", 17827), ("-", 0), ("—", 0), ("", None), ("7.58", None), ("+65%", None)],
)
def test_parse_number(value: str, expected: int | None) -> None:
    assert parse_number(value) == expected
