"""`nia-qa eval` with no --questions: every registered set, one pipeline, the gaps, exit 1 on any miss."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import eval.cli
from app.cli import main
from eval.suite import generalisation_gap
from tests.eval.conftest import ITEMS, FakeKeywordPipeline, write_eval_config, write_jsonl

pytestmark = pytest.mark.unit


def _registry(tmp_path: Path, holdout_gate: float, paraphrase_required: bool = False) -> Path:
    """A temporary registry: dev (the synthetic items), a blind 'holdout' (half of them), a missing set."""
    write_jsonl(tmp_path / "dev.jsonl", ITEMS)
    write_jsonl(tmp_path / "holdout.jsonl", [r for r in ITEMS if r["id"] in ("t001", "t003", "t006")])
    sets = {
        "dev": {"path": "dev.jsonl", "required": True, "gates": {"min_answerable_accuracy": 0.5}},
        "holdout": {
            "path": "holdout.jsonl",
            "blind": True,
            "required": True,
            "gates": {"min_answerable_accuracy": holdout_gate},
        },
        "paraphrase": {"path": "paraphrase.jsonl", "blind": True, "required": paraphrase_required},
    }
    return write_eval_config(tmp_path / "eval.toml", sets)


class FakeCountingPipeline(FakeKeywordPipeline):
    """FAKE pipeline that counts how often it is built; misses the e-Gate question (a table cell)."""

    built = 0

    def __init__(self) -> None:
        super().__init__()
        FakeCountingPipeline.built += 1

    def ask(self, question, history=None):
        answer = super().ask(question, history)
        if "e-Gate" in question:
            from dataclasses import replace

            return replace(answer, answer="I am not sure.")
        return answer


def test_all_sets_run_with_one_pipeline(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(eval.cli, "_build_pipeline", lambda _s: FakeCountingPipeline())
    FakeCountingPipeline.built = 0
    out = tmp_path / "run"
    config = _registry(tmp_path, holdout_gate=0.4)
    assert main(["eval", "--gates", str(config), "--out", str(out), "--no-progress"]) == 0
    captured = capsys.readouterr()
    assert FakeCountingPipeline.built == 1
    assert sorted(p.name for p in out.iterdir()) == ["dev", "holdout", "summary.json"]
    assert (out / "holdout" / "summary.json").is_file() and (out / "dev" / "report.md").is_file()

    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert set(summary["sets"]) == {"dev", "holdout"} and summary["passed"] is True
    assert summary["missing"] == [
        {"set": "paraphrase", "path": str(tmp_path / "paraphrase.jsonl"), "required": False}
    ]
    dev, hold = (summary["sets"][n]["metrics"] for n in ("dev", "holdout"))
    assert dev["answerable_accuracy"] == pytest.approx(4 / 5) and hold["answerable_accuracy"] == 0.5
    gap = summary["gaps"]["dev-holdout"]
    assert gap["answerable_accuracy"] == pytest.approx(0.8 - 0.5)
    assert gap["answerable_accuracy_by_lang"]["en"] == pytest.approx(2 / 3 - 0.0)
    assert gap["accuracy_by_type"]["table_cell"] == 0.0 and gap["abstention_recall"] == 0.0
    assert "dev-paraphrase" not in summary["gaps"]

    table = captured.out
    assert "holdout (blind)" in table and "gap dev-holdout" in table and "+30.0" in table
    assert "skipped eval set 'paraphrase'" in captured.err
    assert ITEMS[0]["question"] not in (out / "holdout" / "report.md").read_text(encoding="utf-8")


def test_a_gate_miss_in_any_set_or_a_missing_required_set_exits_1(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.setattr(eval.cli, "_build_pipeline", lambda _s: FakeCountingPipeline())
    config = _registry(tmp_path, holdout_gate=0.9)
    assert main(["eval", "--gates", str(config), "--out", str(tmp_path / "a"), "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "holdout: gate missed: min_answerable_accuracy" in err and "dev: gate missed" not in err

    config = _registry(tmp_path, holdout_gate=0.4, paraphrase_required=True)
    assert main(["eval", "--gates", str(config), "--out", str(tmp_path / "b"), "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert f"required eval set 'paraphrase' is missing: {tmp_path / 'paraphrase.jsonl'}" in err
    assert json.loads((tmp_path / "b" / "summary.json").read_text(encoding="utf-8"))["passed"] is False


def test_generalisation_gap_is_dev_minus_the_set_and_none_where_undefined() -> None:
    dev = {
        "answerable_accuracy": 0.9,
        "citation_accuracy": 0.95,
        "abstention": {"recall": 0.8},
        "by_lang": {"zh": {"answerable_accuracy": 0.9}, "en": {"answerable_accuracy": 0.85}},
        "by_type": {"table_cell": {"accuracy": 1.0}, "multi_hop": {"accuracy": 0.5}},
    }
    other = {
        "answerable_accuracy": 0.6,
        "citation_accuracy": 0.9,
        "abstention": {"recall": None},
        "by_lang": {"zh": {"answerable_accuracy": 0.7}},
        "by_type": {"table_cell": {"accuracy": 0.25}},
    }
    gap = generalisation_gap(dev, other)
    assert gap["answerable_accuracy"] == pytest.approx(0.3) and gap["citation_accuracy"] == pytest.approx(
        0.05
    )
    assert gap["abstention_recall"] is None
    assert gap["answerable_accuracy_by_lang"] == {"zh": pytest.approx(0.2)}
    assert gap["accuracy_by_type"] == {"table_cell": 0.75}
