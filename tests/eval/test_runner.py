"""`run_eval` / `nia-qa eval` with FAKE pipelines (the real pipeline run is the CI gate on the dev set)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import eval.cli
from app.cli import main
from eval.dataset import load_items
from eval.gates import Gates
from eval.runner import run_eval
from tests.eval.conftest import ITEMS, FakeBrokenRetrieverPipeline, FakeKeywordPipeline

pytestmark = pytest.mark.unit

GATES_TOML = """
[tool.nia-qa.eval]
min_answerable_accuracy = 0.8
min_abstention_recall = 0.8
min_citation_accuracy = 0.8
min_retrieval_recall_at_1 = 0.8
min_answerable_accuracy_by_lang = { zh = 0.8, en = 0.8 }
"""


@pytest.fixture
def gates_file(tmp_path: Path) -> Path:
    path = tmp_path / "gates.toml"
    path.write_text(GATES_TOML, encoding="utf-8")
    return path


def test_run_writes_all_files(items_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    run = run_eval(FakeKeywordPipeline(), load_items(items_file), out, progress=False, gates=Gates())
    assert sorted(p.name for p in out.iterdir()) == [
        "accuracy.png",
        "config.json",
        "report.md",
        "results.jsonl",
        "summary.json",
    ]
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == [i["id"] for i in ITEMS]
    for key in (
        "id", "lang", "type", "question", "expected", "answer", "abstained", "citations",
        "correct", "citation_correct", "latency_ms", "section_rank", "string_rank", "gold_rank",
    ):  # fmt: skip
        assert key in rows[0]
    assert all(r["correct"] for r in rows)
    unans = next(r for r in rows if r["type"] == "unanswerable")
    assert unans["abstained"] and unans["citation_correct"] is None

    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    m = summary["metrics"]
    assert m["accuracy"] == 1.0 and m["citation_accuracy"] == 1.0
    assert m["abstention"]["recall"] == 1.0 and m["retrieval"]["gold"]["recall@1"] == 1.0
    assert m["latency_ms"]["p50"] is not None and m["latency_ms"]["p95"] >= m["latency_ms"]["p50"]
    assert summary["gates"]["passed"] is True
    assert summary["run"]["answerer"] == "fake-keyword"
    assert "python" in summary["run"]["library_versions"]
    assert run.passed

    report = (out / "report.md").read_text(encoding="utf-8")
    assert "![Accuracy by type and language](accuracy.png)" in report
    assert "## By language" in report and "## By type" in report and "| office_contact |" in report
    assert (out / "accuracy.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(out.glob(".*tmp*"))


def test_broken_retriever_fails_the_gates(items_file: Path, tmp_path: Path, gates_file: Path) -> None:
    from eval.registry import load_config

    items = load_items(items_file)
    gates = load_config(gates_file).default_gates  # top-level gate keys: for an unregistered file
    good = run_eval(FakeKeywordPipeline(), items, tmp_path / "good", progress=False, gates=gates)
    bad = run_eval(FakeBrokenRetrieverPipeline(), items, tmp_path / "bad", progress=False, gates=gates)
    assert good.passed
    assert not bad.passed
    missed = {g.name for g in bad.gate_results if not g.passed}
    assert {"min_answerable_accuracy", "min_retrieval_recall_at_1", "min_citation_accuracy"} <= missed
    report = (tmp_path / "bad" / "report.md").read_text(encoding="utf-8")
    assert "## Gates: FAILED" in report and "Missed: min_answerable_accuracy" in report
    # failures are listed with question, expected and given answer
    assert "- Question: How many e-Gate applicants registered in 2023?" in report
    assert "- Expected: 9,789,034 applicants." in report
    assert "- Given: " in report


def test_cli_exit_status_follows_the_gates(
    items_file: Path, tmp_path: Path, gates_file: Path, monkeypatch, capsys
) -> None:
    monkeypatch.setattr(eval.cli, "_build_pipeline", lambda _s: FakeKeywordPipeline())
    args = ["eval", "--questions", str(items_file), "--gates", str(gates_file), "--no-progress"]
    assert main([*args, "--out", str(tmp_path / "ok")]) == 0
    assert "gates: passed" in capsys.readouterr().out

    monkeypatch.setattr(eval.cli, "_build_pipeline", lambda _s: FakeBrokenRetrieverPipeline())
    assert main([*args, "--out", str(tmp_path / "broken")]) == 1
    err = capsys.readouterr().err
    assert "gate missed: min_answerable_accuracy" in err
    config = json.loads((tmp_path / "broken" / "config.json").read_text(encoding="utf-8"))
    assert config["settings"]["answerer"] and config["gates"]["thresholds"]["min_answerable_accuracy"] == 0.8
    summary = json.loads((tmp_path / "broken" / "summary.json").read_text(encoding="utf-8"))
    assert summary["run"]["corpus_sha256"] is None or len(summary["run"]["corpus_sha256"]) == 64


def test_cli_limit_and_bad_input(items_file: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(eval.cli, "_build_pipeline", lambda _s: FakeKeywordPipeline())
    out = tmp_path / "lim"
    assert (
        main(["eval", "--questions", str(items_file), "--out", str(out), "--limit", "2", "--no-progress"])
        == 0
    )
    assert len((out / "results.jsonl").read_text(encoding="utf-8").splitlines()) == 2

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"}\n', encoding="utf-8")
    assert main(["eval", "--questions", str(bad), "--out", str(tmp_path / "b"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:1: missing field(s)" in err and "Traceback" not in err
    assert not (tmp_path / "b").exists()

    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    assert main(["eval", "--questions", str(items_file), "--out", str(afile), "--no-progress"]) == 2
    assert "not a directory" in capsys.readouterr().err


def test_pipeline_error_counts_as_wrong_and_is_reported(items_file: Path, tmp_path: Path) -> None:
    class FakeFailingPipeline(FakeKeywordPipeline):
        """FAKE pipeline whose answer chain raises on one question."""

        def ask(self, question, history=None):
            if "e-Gate" in question:
                raise RuntimeError("boom")
            return super().ask(question, history)

    run = run_eval(
        FakeFailingPipeline(), load_items(items_file), tmp_path / "r", progress=False, gates=Gates()
    )
    failed = [r for r in run.results if r.error]
    assert [r.id for r in failed] == ["t003"] and not failed[0].correct
    assert run.summary["metrics"]["errors"] == 1
    assert "pipeline error: RuntimeError: boom" in (tmp_path / "r" / "report.md").read_text(encoding="utf-8")


def test_a_follow_up_is_asked_with_its_history(tmp_path: Path) -> None:
    from app.records import Turn
    from eval.dataset import parse_item
    from eval.runner import evaluate_item

    class FakeRecordingPipeline(FakeKeywordPipeline):
        """FAKE pipeline that records the history it is asked with."""

        seen: list = []

        def ask(self, question, history=None):
            self.seen.append(history)
            return super().ask(question, history)

    pipeline = FakeRecordingPipeline()
    item = parse_item(dict(ITEMS[1], id="f001", history=["earlier question"]))
    result = evaluate_item(pipeline, item)
    assert pipeline.seen == [[Turn(question="earlier question")]]
    assert result.history == ("earlier question",) and result.correct


def test_answer_path_labels_drop_per_item_details() -> None:
    from eval.runner import path_label

    assert (
        path_label("extractive (fallback: numbers not in the evidence: 12, 127)") == "extractive (fallback)"
    )
    assert path_label("llm") == "llm" and path_label("table (zh)") == "table (zh)"
