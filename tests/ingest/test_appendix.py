"""parse_appendix on the real report: sections, paths, colophon, chunks (sizes measured with the e5 tokenizer)."""

from __future__ import annotations

import re

import pytest

from ingest.appendix import parse_appendix
from ingest.appendix_chunks import MAX_TOKENS, default_token_counter
from tests.ingest.appendix_support import parsed_appendix


@pytest.mark.integration
def test_appendix_parses_without_problems() -> None:
    assert parsed_appendix().problems == []


@pytest.mark.integration
def test_section_ids_paths_and_pages() -> None:
    res = parsed_appendix()
    by_id = {s.section_id: s for s in res.sections}
    assert len(by_id) == len(res.sections)
    assert by_id["appendix"].page == 135
    org = by_id["appendix/orgchart"]
    assert (org.path, org.page, res.paths_en[org.section_id]) == (
        ("附錄", "組織架構圖"),
        136,
        ("Appendix", "Organizational Structure"),
    )
    north = by_id["appendix/offices/2"]
    assert north.path_str == "附錄 > 本署國內、外服務據點 > 二、本署北區事務大隊服務據點"
    assert " > ".join(res.paths_en["appendix/offices/2"]) == (
        "Appendix > NIA Domestic and Overseas Office Location > B. NORTHERN ADMINISTRATION CORPS OFFICES"
    )
    assert north.page == 137 and north.parent_id == "appendix/offices"
    t = by_id["appendix/tables/02"]
    assert t.path_str == "附錄 > 重要業務統計 > 112年自動查驗通關系統註冊及通關人數統計表"
    assert " > ".join(res.paths_en[t.section_id]) == (
        "Appendix > Statistics on key Policy Achievements > Number of e-Gate Applicants and Users"
    )
    assert t.page == 143
    for s in res.sections:
        assert 0 < s.line_start <= s.line_end, s.section_id
        if s.parent_id is not None:
            assert s.parent_id in by_id


@pytest.mark.integration
def test_figure_captions_stay_caption_sections() -> None:
    res = parsed_appendix()
    by_id = {s.section_id: s for s in res.sections}
    assert "組織架構圖" in by_id["appendix/orgchart"].text
    assert by_id["appendix/offices/map"].heading == "各事務大隊及所屬站隊收容所分布圖"
    titles = {t.title_zh for t in res.tables}
    assert not any("分布圖" in t or "組織架構" in t for t in titles)


@pytest.mark.integration
def test_colophon() -> None:
    res = parsed_appendix()
    (col,) = [s for s in res.sections if s.section_id == "zh/colophon"]
    assert col.path == ("版權頁",) and col.page is None and res.paths_en["zh/colophon"] == ()
    flat = re.sub(r"\s+", "", col.text)
    for fact in (
        "ISBN：978-626-7501-41-2",
        "定價：500元",
        "出版機關：內政部移民署",
        "GPN：1011301692",
        "出版年月：中華民國113年12月",
    ):
        assert fact in flat
    assert "ANNUAL REPORT" not in col.text  # back cover is not part of the colophon
    chunks = [c for c in res.chunks if c.section_id == "zh/colophon"]
    assert chunks and all(c.path_zh == "版權頁" and c.path_en == "" for c in chunks)
    assert "500" in "".join(c.text for c in chunks)


@pytest.mark.integration
def test_chunks_stay_in_their_section_and_under_the_token_budget() -> None:
    res = parsed_appendix()
    by_id = {s.section_id: s for s in res.sections}
    assert len({c.chunk_id for c in res.chunks}) == len(res.chunks)
    for c in res.chunks:
        s = by_id[c.section_id]
        assert c.path_zh == s.path_str
        assert c.path_en == " > ".join(res.paths_en[c.section_id])
        assert c.page == s.page and c.lang == "zh"
        assert default_token_counter(c.text) <= MAX_TOKENS, c.chunk_id
    kinds = {c.kind for c in res.chunks}
    assert kinds == {"table", "office", "narrative"}
    # Every table row is covered by row chunks, plus an overview per table.
    for t in res.tables:
        rows = {c.meta["row"] for c in res.chunks if c.meta.get("table_id") == t.table_id and "row" in c.meta}
        assert rows == set(range(len(t.rows)))
        assert any(
            c.meta.get("part") == "overview" and c.meta.get("table_id") == t.table_id for c in res.chunks
        )


@pytest.mark.integration
def test_table_row_chunk_is_self_contained() -> None:
    res = parsed_appendix()
    (t,) = [t for t in res.tables if "Entries and Exits by Place" in t.title_en]
    jul = [c for c in res.chunks if c.meta.get("table_id") == t.table_id and c.meta.get("label_en") == "Jul"]
    text = " ".join(c.text for c in jul)
    for part in (
        t.title_zh,
        t.title_en,
        "單位：人次 Unit: Passengers",
        "112年 (2023)",
        "月份 Month: 7月 Jul",
    ):
        assert part in text
    assert "基隆港 Keelung Sea Port: 66,069" in text
    # Each split part repeats the title and the row label.
    assert all(t.title_zh in c.text and "7月 Jul" in c.text for c in jul)


@pytest.mark.unit
def test_unrecognisable_appendix_reports_problems_without_crashing() -> None:
    lines = ["# 2023 ANNUAL REPORT", "", "## 附錄", "", "nothing else here"]
    res = parse_appendix(lines, 0, count_tokens=len)
    assert res.tables == [] and res.offices == []
    assert any("office" in p for p in res.problems)
    assert any("colophon" in p for p in res.problems)
