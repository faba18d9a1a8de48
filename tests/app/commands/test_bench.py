"""`nia-qa bench`: query generation (headings/table titles, both languages; never the eval set)."""

from __future__ import annotations

import re

import pytest

from app.commands.bench import bench_queries


@pytest.mark.integration
def test_bench_queries_are_bilingual_titles(ingest_result):
    qs = bench_queries(ingest_result, 200)
    assert len(qs) == 200 and len(set(qs)) == 200
    zh = [q for q in qs if re.search(r"[\u4e00-\u9fff]", q)]
    assert 80 <= len(zh) <= 120  # about half each
    assert not any(
        re.match(r"^(?:[一二三四五六七八九十]+、|\(\S+\)|\d+\.)", q) for q in qs
    )  # numbering stripped
    assert bench_queries(ingest_result, 200) == qs  # deterministic
