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


@pytest.mark.unit
def test_headline_collects_the_goal_figures_and_judges_only_what_was_measured() -> None:
    from app.commands.bench import GOALS, headline

    report = {
        "build_s": 95.0,
        "build_warm_cache": {"wall_s": 8.0},
        "retrieval_ms": {"fused": {"p50": 6.0, "p95": 9.0}},
        "answer_ms": {"p50": 40.0, "p95": 310.0},
        "rss_mb": 420.0,
        "cold_ask": {"median_s": 2.1},
        "serve": {
            "ready_s": 9.0,
            "total_rss_mb": 700.0,
            "server": {"rss_mb": 170.0},
            "workers": [{"rss_mb": 260.0}, {"rss_mb": 270.0}],
        },
        "recall": {"recall@10": 0.99},
    }
    h = headline(report)
    assert h["serve_process_rss_mb"] == [170.0, 260.0, 270.0]
    assert (h["cold_ask_median_s"], h["build_warm_cache_s"], h["recall_at_10"]) == (2.1, 8.0, 0.99)
    assert h["goals_met"] == {
        "build_s": False,  # 95 > 90
        "fused_p50_ms": True,
        "answer_p95_ms": False,  # 310 > 300
        "rss_mb": True,
        "cold_ask_median_s": True,
        "serve_ready_s": True,
        "serve_total_rss_mb": True,
    }
    assert set(h["goals_met"]) == set(GOALS)
    skipped = headline({**report, "cold_ask": None, "serve": None, "recall": None})
    assert skipped["cold_ask_median_s"] is None and skipped["serve_process_rss_mb"] is None
    assert {"cold_ask_median_s", "serve_ready_s", "serve_total_rss_mb"}.isdisjoint(skipped["goals_met"])


@pytest.mark.integration
def test_recall_comes_from_nia_qa_eval_against_the_built_index(tmp_path) -> None:
    """`nia-qa eval` on a few dev items as a child (the worktree's build): recall, accuracy, latency."""
    import json
    import os

    from app.commands.bench import DEV_SET
    from app.commands.bench_cold import eval_recall

    few = tmp_path / "few.jsonl"
    lines = DEV_SET.read_text(encoding="utf-8").splitlines()[:6]
    few.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = eval_recall(dict(os.environ), few, tmp_path / "eval")
    assert out["n"] == 6 and out["set"] == "few.jsonl"
    assert 0.0 <= out["recall@1"] <= out["recall@4"] <= out["recall@10"] <= 1.0
    assert 0.0 <= out["accuracy"] <= 1.0 and out["answer_latency_ms"]["p50"] > 0
    assert json.loads((tmp_path / "eval" / "summary.json").read_text())["metrics"]["n"] == 6


@pytest.mark.integration
def test_recall_and_build_fail_with_one_line(tmp_path) -> None:
    import os

    from app.commands.bench_cold import eval_recall, timed_build
    from ingest.errors import UserError

    with pytest.raises(UserError, match="no eval set"):
        eval_recall(dict(os.environ), tmp_path / "missing.jsonl", tmp_path / "eval")
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"bench recall \(nia-qa eval\) failed"):
        eval_recall(dict(os.environ), bad, tmp_path / "eval-bad")
    env = {**os.environ, "NIA_QA_CORPUS_PATH": str(tmp_path / "missing.md")}
    with pytest.raises(UserError, match="bench build failed"):
        timed_build(env, tmp_path / "build")
