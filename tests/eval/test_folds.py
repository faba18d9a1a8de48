"""Grouped k-fold on dev: the grouping by fact and the refit-per-fold loop (with a FAKE refittable pipeline)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

import eval.cli
from app.cli import main
from app.records import LabeledQuestion, Refittable
from eval.dataset import EvalItem, parse_item
from eval.folds import NOT_REFITTABLE, fact_groups, fold_splits, out_of_fold, out_of_fold_summary
from eval.runner import evaluate_item
from ingest.errors import UserError
from tests.eval.conftest import ITEMS, FakeKeywordPipeline, write_jsonl

pytestmark = pytest.mark.unit


def _item(item_id: str, note: str | None = None, history: tuple[str, ...] = ()) -> EvalItem:
    row = {**ITEMS[0], "id": item_id, **({"note": note} if note else {})}
    if history:
        row["history"] = list(history)
    return parse_item(row)


def test_groups_follow_the_fact_asked() -> None:
    items = [
        _item("a001"),
        _item("a002"),
        _item("pa001a"),  # paraphrase of a001
        _item("pa001b"),
        _item("pzz9a"),  # names no known item: its own group
        _item("f01", note="Follow-up to a002 (asks its year).", history=("earlier question",)),
        _item("a003", note="Reworded a002; also in the foreword."),
        _item("f02", note="follow-up of f01"),  # chains to f01's fact
    ]
    assert fact_groups(items) == ["a001", "a002", "a001", "a001", "pzz9a", "a002", "a002", "a002"]
    # a paraphrase whose dev item is not in the list is grouped with it when the dev ids are known
    assert fact_groups([_item("pb007a"), _item("pb007b")], known_ids={"b007"}) == ["b007", "b007"]
    assert fact_groups([_item("pb007a")]) == ["pb007a"]


def test_folds_keep_groups_together_and_are_deterministic() -> None:
    groups = ["g1", "g1", "g2", "g3", "g3", "g3", "g4", "g5", "g6", "g6"]
    splits = fold_splits(groups, 3)
    assert splits == fold_splits(list(groups), 3)
    assert sorted(i for _, test in splits for i in test) == list(range(len(groups)))
    for train, test in splits:
        assert not {groups[i] for i in train} & {groups[i] for i in test}
    with pytest.raises(UserError, match="number of fact groups"):
        fold_splits(["g1", "g1", "g2"], 3)


class FakeRefittablePipeline(FakeKeywordPipeline):
    """FAKE stand-in for the real answerer's ``refit``: its one fitted parameter is the set of
    questions it was fitted on, and it abstains on those (so in-sample and out-of-fold differ)."""

    def __init__(self, fitted: frozenset[str] = frozenset(), log: list | None = None) -> None:
        super().__init__()
        self.fitted = fitted
        self.log = log if log is not None else []

    def refit(self, examples: Sequence[LabeledQuestion]) -> FakeRefittablePipeline:
        self.log.append(examples)
        return FakeRefittablePipeline(frozenset(e.question for e in examples), self.log)

    def ask(self, question, history=None):
        from dataclasses import replace

        answer = super().ask(question, history)
        return replace(answer, abstained=True, answer="-") if question in self.fitted else answer


def test_each_fold_is_answered_by_a_pipeline_fitted_on_the_other_folds(tmp_path: Path) -> None:
    pipeline = FakeRefittablePipeline()
    assert isinstance(pipeline, Refittable) and not isinstance(FakeKeywordPipeline(), Refittable)
    items = [parse_item(r) for r in ITEMS]
    results = out_of_fold(pipeline, items, 3, evaluate_item)
    assert results is not None and [r.id for r in results] == [i.id for i in items]
    assert all(r.correct for r in results)  # no item is answered by a pipeline fitted on it
    assert len(pipeline.log) == 3
    seen_test: list[str] = []
    for examples in pipeline.log:
        assert all(isinstance(e, LabeledQuestion) for e in examples)
        held_out = [i.id for i in items if i.id not in {e.id for e in examples}]
        seen_test += held_out
    assert sorted(seen_test) == sorted(i.id for i in items)  # each item held out exactly once
    example = next(e for e in pipeline.log[0])
    assert example.group == example.id and isinstance(example.answerable, bool)


def test_summary_without_refit_says_out_of_fold_is_in_sample() -> None:
    items = [parse_item(r) for r in ITEMS]
    in_sample = {"answerable_accuracy": 0.5}
    oof = out_of_fold_summary(FakeKeywordPipeline(), items, 2, in_sample)
    assert oof["refit"] is False and oof["note"] == NOT_REFITTABLE and oof["metrics"] is in_sample
    assert sum(oof["fold_sizes"]) == len(items) and oof["n_groups"] == len(items)


def test_cli_folds_writes_out_of_fold(tmp_path: Path, monkeypatch, capsys) -> None:
    items_file = write_jsonl(tmp_path / "dev.jsonl", ITEMS)
    base = ["eval", "--questions", str(items_file), "--no-progress", "--folds", "3"]
    monkeypatch.setattr(eval.cli, "_build_pipeline", lambda _s: FakeKeywordPipeline())
    assert main([*base, "--out", str(tmp_path / "plain")]) == 0
    assert NOT_REFITTABLE in capsys.readouterr().out

    monkeypatch.setattr(eval.cli, "_build_pipeline", lambda _s: FakeRefittablePipeline())
    assert main([*base, "--out", str(tmp_path / "refit")]) == 0
    assert "out-of-fold (3 folds over 6 fact groups): answerable 100.0%" in capsys.readouterr().out
    summary = json.loads((tmp_path / "refit" / "summary.json").read_text(encoding="utf-8"))
    assert summary["out_of_fold"]["refit"] is True and summary["out_of_fold"]["metrics"]["accuracy"] == 1.0
    assert summary["metrics"]["accuracy"] == 1.0  # the plain run is unchanged


def test_folds_refuse_a_blind_set_before_running(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(eval.cli, "_build_pipeline", lambda _s: pytest.fail("pipeline built"))
    items_file = write_jsonl(tmp_path / "dev.jsonl", ITEMS)
    args = ["eval", "--questions", str(items_file), "--blind", "--folds", "3", "--out", str(tmp_path / "r")]
    assert main(args) == 2
    assert "is blind; parameters are fitted on dev only" in capsys.readouterr().err
