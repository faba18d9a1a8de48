"""zh <-> en alignment on the real report."""

from __future__ import annotations

import pytest

from ingest.align import numbers_in


@pytest.mark.integration
def test_at_least_95_percent_aligned_and_symmetric(ingest_result):
    narrative = [s for s in ingest_result.sections if s.section_id.startswith(("zh/", "en/"))]
    aligned = [s for s in narrative if s.aligned_id]
    assert len(aligned) / len(narrative) >= 0.95
    for s in aligned:
        twin = ingest_result.section(s.aligned_id)
        assert twin is not None and twin.aligned_id == s.section_id and twin.lang != s.lang


@pytest.mark.integration
def test_twins_share_numbers(ingest_result):
    zh, en = ingest_result.section("zh/4/2/4"), ingest_result.section("en/4/2/4")
    assert zh.aligned_id == "en/4/2/4"
    assert 4218817 in numbers_in(zh.text, "zh") & numbers_in(en.text, "en")
    assert ingest_result.twin("en/3/2/1/2/1").section_id == "zh/3/2/1/2/1"


@pytest.mark.integration
def test_unaligned_sections_are_reported(ingest_result):
    details = ingest_result.manifest["details"]
    narrative_ids = {s.section_id for s in ingest_result.sections if s.section_id.startswith(("zh/", "en/"))}
    unaligned = {s for s in narrative_ids if not ingest_result.section(s).aligned_id}
    assert set(details["unaligned"]) == unaligned


@pytest.mark.unit
def test_numbers_in_expands_wan_and_roc_years():
    assert numbers_in("112 年度核定補助 421 萬 8,817 元", "zh") >= {4218817, 2023}
    assert numbers_in("3 億 4,483 萬 2,473 元", "zh") >= {344832473}
    assert numbers_in("NT$ 4,218,817 in 2023", "en") == {4218817, 2023}
