"""The CI gate on the REAL pipeline: a deliberately broken retriever must make it fail (integration)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.pipeline import Pipeline
from eval.dataset import load_items
from eval.registry import DEV_SET, load_config
from eval.runner import run_eval

pytestmark = pytest.mark.integration

DEV = Path(__file__).resolve().parents[2] / "eval" / "data" / "dev.jsonl"


class UnrelatedChunksRetriever:
    """Deliberately broken: whatever the question, returns the chunks for an unrelated topic."""

    def __init__(self, real) -> None:
        self.real = real
        self.tokenizer = real.tokenizer

    def search(self, query: str, k: int):
        return self.real.search("資通安全社交工程演練 social engineering drills", k)


def test_broken_retriever_fails_the_gate_that_the_real_retriever_meets(pipeline, tmp_path):
    items = load_items(DEV)[::4]  # every 4th item: all types and both languages, ~64 items
    gates = load_config().get(DEV_SET).gates
    broken = Pipeline(pipeline.settings, pipeline.ingest, UnrelatedChunksRetriever(pipeline.retriever))
    bad = run_eval(broken, items, tmp_path / "broken", progress=False, gates=gates)
    good = run_eval(pipeline, items, tmp_path / "real", progress=False, gates=gates)
    assert not bad.passed
    failed = {g.name for g in bad.gate_results if g.passed is False}
    assert {"min_answerable_accuracy", "min_retrieval_recall_at_4"} <= failed
    bad_acc = bad.summary["metrics"]["answerable_accuracy"]
    good_acc = good.summary["metrics"]["answerable_accuracy"]
    assert bad_acc < good_acc - 0.3
