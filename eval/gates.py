"""Quality gates: minimums per eval set (``eval/registry.py`` reads them); a miss makes `nia-qa eval` exit 1.

```toml
[tool.nia-qa.eval.sets.dev.gates]
min_answerable_accuracy = 0.9
min_abstention_recall = 0.9
min_citation_accuracy = 0.9
# optional
max_false_abstention_rate = 0.05
min_retrieval_recall_at_10 = 0.9
min_answerable_accuracy_by_lang = { zh = 0.9, en = 0.9 }
```
Unknown keys are rejected (a typo must not silently disable a gate). A gate whose
metric is undefined on the items run (e.g. no unanswerable items under ``--limit``)
is reported as n/a and does not fail.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from eval.metrics import get_metric
from ingest.errors import UserError

#: config key -> (metric path in the summary, "min" or "max")
_SCALAR_GATES: dict[str, tuple[str, str]] = {
    "min_answerable_accuracy": ("answerable_accuracy", "min"),
    "min_abstention_recall": ("abstention.recall", "min"),
    "min_citation_accuracy": ("citation_accuracy", "min"),
    "min_accuracy": ("accuracy", "min"),
    "min_abstention_precision": ("abstention.precision", "min"),
    "max_false_abstention_rate": ("abstention.false_abstention_rate", "max"),
    "min_retrieval_recall_at_1": ("retrieval.gold.recall@1", "min"),
    "min_retrieval_recall_at_4": ("retrieval.gold.recall@4", "min"),
    "min_retrieval_recall_at_10": ("retrieval.gold.recall@10", "min"),
    "min_retrieval_mrr": ("retrieval.gold.mrr", "min"),
}
_BY_LANG_KEY = "min_answerable_accuracy_by_lang"
GATE_KEYS: tuple[str, ...] = (*_SCALAR_GATES, _BY_LANG_KEY)


@dataclass(frozen=True)
class Gates:
    """Thresholds by config key (only the keys that are set) plus per-language answerable minimums."""

    thresholds: dict[str, float] = field(default_factory=dict)
    by_lang: dict[str, float] = field(default_factory=dict)
    source: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class GateResult:
    name: str  # config key, e.g. "min_citation_accuracy" or "min_answerable_accuracy_by_lang.zh"
    metric: str  # metric path in summary.json
    op: str  # ">=" or "<="
    threshold: float
    value: float | None
    passed: bool  # True when n/a

    @property
    def status(self) -> str:
        if self.value is None:
            return "n/a"
        return "pass" if self.passed else "FAIL"

    def describe(self) -> str:
        value = "n/a" if self.value is None else f"{self.value:.3f}"
        return (
            f"{self.name}: {self.metric} = {value}, required {self.op} {self.threshold:.3f} -> {self.status}"
        )


def _number(where: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= float(value) <= 1.0:
        raise UserError(f"{where} {key} must be a number between 0 and 1, got {value!r}")
    return float(value)


def _by_lang(where: str, value: Any) -> dict[str, float]:
    if not isinstance(value, dict):
        raise UserError(f"{where} {_BY_LANG_KEY} must be a table like {{ zh = 0.9 }}")
    for lang in value:
        if lang not in ("zh", "en"):
            raise UserError(f"{where} {_BY_LANG_KEY}: unknown language {lang!r}")
    return {lang: _number(where, f"{_BY_LANG_KEY}.{lang}", v) for lang, v in value.items()}


def parse_gates(table: dict[str, Any], source: str = "", table_name: str = "[tool.nia-qa.eval]") -> Gates:
    """Gates from one decoded gates table; errors name ``source`` and ``table_name``."""
    where = f"{source}: {table_name}"
    unknown = [key for key in table if key not in GATE_KEYS]
    if unknown:
        raise UserError(f"{where} unknown key {unknown[0]!r} (known: {', '.join(GATE_KEYS)})")
    thresholds = {k: _number(where, k, v) for k, v in table.items() if k in _SCALAR_GATES}
    by_lang = _by_lang(where, table[_BY_LANG_KEY]) if _BY_LANG_KEY in table else {}
    return Gates(thresholds=thresholds, by_lang=by_lang, source=source)


def evaluate_gates(gates: Gates, metrics: dict[str, Any]) -> list[GateResult]:
    """Check every configured gate against the run's metrics."""
    out: list[GateResult] = []
    for key, threshold in gates.thresholds.items():
        metric, kind = _SCALAR_GATES[key]
        value = get_metric(metrics, metric)
        if value is None:
            passed = True
        else:
            passed = value >= threshold if kind == "min" else value <= threshold
        out.append(GateResult(key, metric, ">=" if kind == "min" else "<=", threshold, value, passed))
    for lang, threshold in gates.by_lang.items():
        metric = f"by_lang.{lang}.answerable_accuracy"
        value = get_metric(metrics, metric)
        passed = value is None or value >= threshold
        out.append(GateResult(f"{_BY_LANG_KEY}.{lang}", metric, ">=", threshold, value, passed))
    return out


def all_passed(results: list[GateResult]) -> bool:
    return all(r.passed for r in results)
