"""Captioned tables of the narrative chapters (表 3-1 / Table 3-1) on the real report."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ingest.records import TableRow
from ingest.tables import check_table

TABLE_SECTION = "zh/3/1/3/table-3-1"


def _table_3_1(ingest_result):
    t = ingest_result.table("table/3-1")
    assert t is not None
    return t


@pytest.mark.integration
def test_ten_statistics_tables(ingest_result):
    assert ingest_result.stats["tables"] == len(ingest_result.tables) == 10
    assert ingest_result.stats["table_sum_mismatches"] == 0
    assert not [p for p in ingest_result.manifest["details"]["problems"] if p.startswith("table 3-1")]


@pytest.mark.integration
def test_table_3_1_is_one_bilingual_table_read_from_both_copies(ingest_result):
    t = _table_3_1(ingest_result)
    assert t.section_id == TABLE_SECTION
    assert t.title_zh == "表 3-1 112 年及 108 年「擴大自行到案專案」查處成效比較表"
    assert t.title_en.startswith("Table 3-1 Comparison of the investigatory results")
    assert (t.unit_zh, t.unit_en) == ("", "")  # no unit line is printed
    assert t.page == 15
    assert t.row_header == "項目年度 Category Year"
    assert [(r.label_zh, r.label_en) for r in t.rows] == [
        ("112年2至6月", "February to June 2023"),
        ("108年2至6月", "February to June 2019"),
        ("較108年同期增減", "Increase or decrease compared to 2019"),
    ]
    assert t.columns[0] == "失聯移工 Missing migrant workers / 查獲到案 Apprehended"
    assert t.columns[-1] == "合計 Total / 小計 Total"
    assert all(len(r.cells) == len(t.columns) == 9 for r in t.rows)


@pytest.mark.integration
def test_table_3_1_cells_with_their_row_labels(ingest_result):
    t = _table_3_1(ingest_result)
    assert t.cell("112年", "合計 Total / 小計 Total") == "21,932"
    assert t.cell("February to June 2019", "Total / 小計 Total") == "21,123"
    assert t.cell("112年", "非失聯移工 Other aliens / 自行到案") == "5,742"
    assert t.cell("Increase or decrease", "Missing migrant workers / 查獲到案") == "+65%"


@pytest.mark.integration
def test_table_3_1_totals_are_checked(ingest_result):
    t = _table_3_1(ingest_result)
    assert check_table(t) == []
    # A changed figure breaks both the group's 小計 and the 合計 column, so the checks really run.
    row = t.rows[0]
    bad = replace(t, rows=(TableRow(row.label_zh, row.label_en, ("7,269", *row.cells[1:])), *t.rows[1:]))
    problems = check_table(bad)
    assert any("失聯移工 Missing migrant workers / 小計 Total" in p for p in problems)
    assert any("合計 Total / 查獲到案 Apprehended" in p for p in problems)


@pytest.mark.integration
def test_table_3_1_has_its_own_section_and_parents_keep_their_text(ingest_result):
    s = ingest_result.section(TABLE_SECTION)
    parent = ingest_result.section("zh/3/1/3")
    assert s.parent_id == "zh/3/1/3" and s.path[:-1] == parent.path
    assert s.path[-1] == "表 3-1 112 年及 108 年「擴大自行到案專案」查處成效比較表"
    assert s.page == parent.page == 15 and s.lang == "zh"
    # the narrative twins keep their paragraphs (and the printed table lines)
    assert "2萬1,932人" in parent.text and "21,123" in parent.text
    en = ingest_result.section("en/3/1/3")
    assert "21,932 (12,478 self-reported" in en.text and "Table 3-1 Comparison" in en.text


@pytest.mark.integration
def test_table_3_1_rows_are_self_contained_table_chunks(ingest_result):
    chunks = ingest_result.chunks_for(TABLE_SECTION)
    assert {c.kind for c in chunks} == {"table"}
    assert {c.meta.get("row") for c in chunks if "row" in c.meta} == {0, 1, 2}
    row = next(c for c in chunks if c.meta.get("row") == 0)
    assert "112年2至6月 February to June 2023" in row.text
    assert "合計 Total / 小計 Total: 21,932" in row.text
    assert row.path_zh == ingest_result.section(TABLE_SECTION).path_str
    assert row.path_en == (
        ingest_result.section("en/3/1/3").path_str + " > " + _table_3_1(ingest_result).title_en
    )
    assert row.page == 15
