"""One run, all sets: every registered eval set through one pipeline, plus the generalisation gaps.

>>> suite = run_suite(pipeline, load_config(), Path("data/build/eval/ci"), settings=settings)
>>> suite.passed        # False when a set's gate is missed or a required set's file is missing

Writes ``OUT/<set>/`` (a normal run directory per set, blind sets aggregates-only) and
``OUT/summary.json``: every set's summary, the missing sets, and the gaps dev minus holdout and
dev minus paraphrase (answerable accuracy overall / by language, accuracy by type, abstention
recall, citation accuracy; positive = dev is better).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eval.dataset import EvalItem
from eval.metrics import get_metric
from eval.registry import DEV_SET, EvalConfig, EvalSet
from eval.runner import EvalRun, run_eval, write_json

if TYPE_CHECKING:
    from app.records import QAPipeline
    from app.settings import Settings

GAP_AGAINST: tuple[str, ...] = ("holdout", "paraphrase")
_GAP_SCALARS = {
    "answerable_accuracy": "answerable_accuracy",
    "abstention_recall": "abstention.recall",
    "citation_accuracy": "citation_accuracy",
}


@dataclass(frozen=True)
class SuiteRun:
    out_dir: Path
    runs: dict[str, EvalRun]
    missing: tuple[EvalSet, ...]
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def missing_required(self) -> tuple[EvalSet, ...]:
        return tuple(s for s in self.missing if s.required)

    @property
    def passed(self) -> bool:
        return not self.missing_required and all(r.passed for r in self.runs.values())


def _minus(a: Any, b: Any) -> float | None:
    return a - b if isinstance(a, int | float) and isinstance(b, int | float) else None


def _block_gap(dev: dict[str, Any], other: dict[str, Any], block: str, metric: str) -> dict[str, Any]:
    names = [n for n in dev.get(block, {}) if n in other.get(block, {})]
    return {n: _minus(dev[block][n][metric], other[block][n][metric]) for n in names}


def generalisation_gap(dev: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """dev minus ``other`` on the headline metrics (None where either side is undefined)."""
    out: dict[str, Any] = {
        k: _minus(get_metric(dev, p), get_metric(other, p)) for k, p in _GAP_SCALARS.items()
    }
    out["answerable_accuracy_by_lang"] = _block_gap(dev, other, "by_lang", "answerable_accuracy")
    out["accuracy_by_type"] = _block_gap(dev, other, "by_type", "accuracy")
    return out


def suite_gaps(runs: dict[str, EvalRun]) -> dict[str, Any]:
    """``{"dev-holdout": {...}, "dev-paraphrase": {...}}`` for the sets that ran."""
    if DEV_SET not in runs:
        return {}
    dev = runs[DEV_SET].summary["metrics"]
    return {
        f"{DEV_SET}-{name}": generalisation_gap(dev, runs[name].summary["metrics"])
        for name in GAP_AGAINST
        if name in runs
    }


def load_sets(config: EvalConfig, limit: int | None) -> tuple[dict[str, list[EvalItem]], tuple[EvalSet, ...]]:
    """Items of every registered set whose file exists (validated before the pipeline loads), and the missing."""
    present = [s for s in config.sets if s.exists]
    items = {s.name: s.load(limit) for s in present}
    return items, tuple(s for s in config.sets if not s.exists)


def run_set(
    pipeline: QAPipeline,
    spec: EvalSet,
    items: Sequence[EvalItem],
    out_dir: Path,
    *,
    progress: bool = True,
    settings: Settings | None = None,
    limit: int | None = None,
) -> EvalRun:
    """One set's run directory, with the set's gates and blind flag."""
    return run_eval(
        pipeline,
        items,
        out_dir,
        progress,
        gates=spec.gates,
        settings=settings,
        questions_path=spec.path,
        limit=limit,
        blind=spec.blind,
        set_name=spec.name,
    )


def run_suite(
    pipeline: QAPipeline,
    config: EvalConfig,
    items: dict[str, Sequence[EvalItem]],
    out_dir: Path,
    *,
    missing: Sequence[EvalSet] = (),
    progress: bool = True,
    settings: Settings | None = None,
    limit: int | None = None,
) -> SuiteRun:
    """Run every loaded set into ``out_dir/<set>/`` and write the top-level summary.json."""
    specs = {s.name: s for s in config.sets}
    runs = {
        name: run_set(
            pipeline,
            specs[name],
            set_items,
            Path(out_dir) / name,
            progress=progress,
            settings=settings,
            limit=limit,
        )
        for name, set_items in items.items()
    }
    suite = SuiteRun(out_dir=Path(out_dir), runs=runs, missing=tuple(missing))
    summary = suite_summary(suite, config)
    write_json(out_dir, "summary.json", summary)
    return SuiteRun(out_dir=suite.out_dir, runs=runs, missing=suite.missing, summary=summary)


def suite_summary(suite: SuiteRun, config: EvalConfig) -> dict[str, Any]:
    return {
        "config": config.source,
        "passed": suite.passed,
        "sets": {name: run.summary for name, run in suite.runs.items()},
        "missing": [{"set": s.name, "path": str(s.path), "required": s.required} for s in suite.missing],
        "gaps": suite_gaps(suite.runs),
    }
