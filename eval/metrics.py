"""Aggregate graded items into the ``summary.json`` metrics.

Definitions (positive class of abstention = "abstained"):
- ``accuracy``: correct / all items; ``answerable_accuracy``: over answerable items only;
- ``abstention.recall``: abstained unanswerable / unanswerable items;
  ``abstention.precision``: abstained unanswerable / all abstained answers;
  ``abstention.false_abstention_rate``: abstained answerable / answerable items;
- ``citation_accuracy``: answerable items whose citations hit the gold section;
- ``retrieval``: over answerable items, recall@k = share whose gold evidence is in the
  top k of ``pipeline.search(q, k=10)``; MRR = mean of 1/rank (0 when not found);
  reported for the gold section, for a must_include string, and for either ("gold");
- ``latency_ms``: p50/p95/mean/max of the wall-clock ``ask`` time;
- ``by_path``: accuracy and latency per answer path (``ItemResult.route``);
- ``answer_shape``: per language, over items answered (not abstained): the median answer length in
  characters; and the share of English answers with a run of at least ``HAN_PASSAGE`` Chinese
  characters (a passage, not a name);
- ``calibration``: over items whose answer carries a ``confidence``, reliability bins (equal width,
  ``CALIBRATION_BINS``: mean confidence vs accuracy), expected calibration error
  (sum over bins of n_bin/n * |accuracy - mean confidence|) and the Brier score.

A ratio with an empty denominator is ``None`` (shown as n/a), never 0.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from eval.dataset import ITEM_TYPES, LANGS
from eval.results import ItemResult

RECALL_KS: tuple[int, ...] = (1, 4, 10)
HAN_PASSAGE = 5  # Chinese characters in a row that make a passage rather than a name
CALIBRATION_BINS = 10


def ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (numpy's default method); None for no values."""
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def _accuracy_block(results: Sequence[ItemResult]) -> dict[str, Any]:
    answerable = [r for r in results if r.answerable]
    return {
        "n": len(results),
        "correct": sum(r.correct for r in results),
        "accuracy": ratio(sum(r.correct for r in results), len(results)),
        "n_answerable": len(answerable),
        "answerable_accuracy": ratio(sum(r.correct for r in answerable), len(answerable)),
        "citation_accuracy": ratio(sum(bool(r.citation_correct) for r in answerable), len(answerable)),
    }


def _ranks_block(ranks: Sequence[int | None]) -> dict[str, Any]:
    n = len(ranks)
    out: dict[str, Any] = {f"recall@{k}": ratio(sum(1 for r in ranks if r and r <= k), n) for k in RECALL_KS}
    out["mrr"] = (sum(1.0 / r for r in ranks if r) / n) if n else None
    return out


def retrieval_metrics(results: Iterable[ItemResult]) -> dict[str, Any]:
    answerable = [r for r in results if r.answerable]  # an item whose pipeline failed is a miss
    return {
        "n": len(answerable),
        "gold": _ranks_block([r.gold_rank for r in answerable]),
        "section": _ranks_block([r.section_rank for r in answerable]),
        "must_include": _ranks_block([r.string_rank for r in answerable]),
        "answer_evidence_recall": ratio(
            sum(1 for r in answerable if r.evidence_rank is not None), len(answerable)
        ),
    }


def latency_block(results: Sequence[ItemResult]) -> dict[str, float | None]:
    latencies = [r.latency_ms for r in results if r.error is None]
    return {
        "p50": percentile(latencies, 50),
        "p95": percentile(latencies, 95),
        "mean": (sum(latencies) / len(latencies)) if latencies else None,
        "max": max(latencies) if latencies else None,
    }


def _path_block(results: Sequence[ItemResult]) -> dict[str, Any]:
    return {**_accuracy_block(results), "latency_p50_ms": latency_block(results)["p50"]}


def _reliability_bin(lo: float, hi: float, pairs: Sequence[tuple[float, bool]]) -> dict[str, Any]:
    n = len(pairs)
    return {
        "lo": lo,
        "hi": hi,
        "n": n,
        "mean_confidence": (sum(c for c, _ in pairs) / n) if n else None,
        "accuracy": ratio(sum(ok for _, ok in pairs), n),
    }


def calibration(results: Sequence[ItemResult], n_bins: int = CALIBRATION_BINS) -> dict[str, Any]:
    """Reliability bins, ECE and Brier score of the answers' ``confidence`` against ``correct``."""
    pairs = [
        (min(max(float(r.confidence), 0.0), 1.0), r.correct) for r in results if r.confidence is not None
    ]
    slots: list[list[tuple[float, bool]]] = [[] for _ in range(n_bins)]
    for conf, ok in pairs:
        slots[min(int(conf * n_bins), n_bins - 1)].append((conf, ok))
    bins = [_reliability_bin(i / n_bins, (i + 1) / n_bins, slot) for i, slot in enumerate(slots)]
    n = len(pairs)
    ece = sum(b["n"] / n * abs(b["accuracy"] - b["mean_confidence"]) for b in bins if b["n"]) if n else None
    return {
        "n": n,
        "ece": ece,
        "brier": (sum((conf - ok) ** 2 for conf, ok in pairs) / n) if n else None,
        "bins": [b for b in bins if b["n"]],
    }


def answer_shape(results: Sequence[ItemResult]) -> dict[str, Any]:
    """Median answer length per language and Chinese passages in English answers (answered items)."""
    out: dict[str, Any] = {}
    for lang in LANGS:
        answered = [r for r in results if r.lang == lang and not r.abstained and r.answer_chars is not None]
        lengths = [float(r.answer_chars or 0) for r in answered]
        block: dict[str, Any] = {"n": len(answered), "median_chars": percentile(lengths, 50)}
        if lang == "en":
            with_han = sum(1 for r in answered if (r.han_run or 0) >= HAN_PASSAGE)
            block["with_chinese_passage"] = ratio(with_han, len(answered))
        out[lang] = block
    return out


def summarise(results: Sequence[ItemResult]) -> dict[str, Any]:
    """All metrics of one run (the ``metrics`` part of ``summary.json``)."""
    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    abstained = [r for r in results if r.abstained]
    paths = sorted({r.route or "(none)" for r in results})
    langs = [lang for lang in LANGS if any(r.lang == lang for r in results)]
    types = [t for t in ITEM_TYPES if any(r.type == t for r in results)]
    overall = _accuracy_block(results)
    return {
        "n": len(results),
        "n_answerable": len(answerable),
        "n_unanswerable": len(unanswerable),
        "errors": sum(1 for r in results if r.error is not None),
        "accuracy": overall["accuracy"],
        "answerable_accuracy": overall["answerable_accuracy"],
        "citation_accuracy": overall["citation_accuracy"],
        "by_lang": {lang: _accuracy_block([r for r in results if r.lang == lang]) for lang in langs},
        "by_type": {t: _accuracy_block([r for r in results if r.type == t]) for t in types},
        "by_path": {p: _path_block([r for r in results if (r.route or "(none)") == p]) for p in paths},
        "abstention": {
            "n_abstained": len(abstained),
            "precision": ratio(sum(1 for r in abstained if not r.answerable), len(abstained)),
            "recall": ratio(sum(1 for r in unanswerable if r.abstained), len(unanswerable)),
            "false_abstention_rate": ratio(sum(1 for r in answerable if r.abstained), len(answerable)),
        },
        "retrieval": retrieval_metrics(results),
        "calibration": calibration(results),
        "answer_shape": answer_shape(results),
        "latency_ms": latency_block(results),
    }


def get_metric(metrics: dict[str, Any], dotted: str) -> Any:
    """``get_metric(m, "abstention.recall")`` -> value, or None when absent."""
    node: Any = metrics
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node
