"""`nia-qa bench`: query generation (headings/table titles, both languages; never the eval set), cold figures."""

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


@pytest.mark.integration
def test_cold_ask_times_fresh_processes_against_the_built_index() -> None:
    """A real `nia-qa ask` child (the worktree's built index): wall time, median and its peak RSS."""
    import os

    from app.commands.bench_cold import cold_ask

    out = cold_ask(dict(os.environ), runs=1)
    assert len(out["runs_s"]) == 1 and out["median_s"] == out["runs_s"][0] > 0
    assert 50 < out["peak_rss_mb"] < 4000


@pytest.mark.integration
def test_cold_figures_fail_with_one_line_when_the_pipeline_cannot_load(tmp_path) -> None:
    """A missing report: the ask child exits non-zero, the server's /healthz says error; both become a UserError."""
    import os

    from app.commands.bench_cold import cold_ask, serve_start
    from ingest.errors import UserError

    env = {
        **os.environ,
        "NIA_QA_CORPUS_PATH": str(tmp_path / "missing.md"),
        "NIA_QA_BUILD_DIR": str(tmp_path),
    }
    with pytest.raises(UserError, match="bench cold ask failed"):
        cold_ask(env, runs=1)
    with pytest.raises(UserError, match="did not become ready"):
        serve_start(env, workers=1, feedback_db=tmp_path / "fb.sqlite3")
