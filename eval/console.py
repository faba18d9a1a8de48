"""What `nia-qa eval` prints: aggregates only (safe for blind sets), never an item's text."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from eval.registry import EvalSet
    from eval.runner import EvalRun
    from eval.suite import SuiteRun


def pct(value: Any) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _pts(value: Any) -> str:
    return "n/a" if value is None else f"{100 * value:+.1f}"


def _ms(value: Any) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def headline(m: dict[str, Any]) -> str:
    """``answerable 92.2% (zh 94.5%, en 90.0%), abstention recall 91.2%, citation 94.9%``"""
    langs = ", ".join(f"{lang} {pct(b['answerable_accuracy'])}" for lang, b in m["by_lang"].items())
    return (
        f"answerable {pct(m['answerable_accuracy'])} ({langs}), abstention recall "
        f"{pct(m['abstention']['recall'])}, citation {pct(m['citation_accuracy'])}"
    )


def print_run(run: EvalRun) -> None:
    m = run.summary["metrics"]
    ab, ret, lat = m["abstention"], m["retrieval"]["gold"], m["latency_ms"]
    print(f"{m['n']} items -> {run.out_dir}")
    print(f"  accuracy {pct(m['accuracy'])}, answerable {pct(m['answerable_accuracy'])}", end="")
    print("".join(f", {lang} {pct(b['answerable_accuracy'])}" for lang, b in m["by_lang"].items()))
    print(
        f"  abstention recall {pct(ab['recall'])}, precision {pct(ab['precision'])}, "
        f"false abstentions {pct(ab['false_abstention_rate'])}"
    )
    print(
        f"  citation accuracy {pct(m['citation_accuracy'])}; retrieval recall@1/@4/@10 "
        f"{pct(ret['recall@1'])}/{pct(ret['recall@4'])}/{pct(ret['recall@10'])}"
    )
    print(f"  latency p50 {_ms(lat['p50'])} ms, p95 {_ms(lat['p95'])} ms")
    shape = m.get("answer_shape", {})
    lengths = ", ".join(
        f"{lang} {b['median_chars']:.0f}" for lang, b in shape.items() if b.get("median_chars") is not None
    )
    if lengths:
        chinese = shape.get("en", {}).get("with_chinese_passage")
        extra = f"; English answers with a Chinese passage {pct(chinese)}" if chinese is not None else ""
        print(f"  median answer length (chars) {lengths}{extra}")
    print("  gates: " + ("passed" if run.passed else "FAILED"))


_COLUMNS = ("set", "n", "answerable", "zh", "en", "abst. recall", "citation", "p50 ms", "gates")


def _row(cells: list[str]) -> str:
    return "  ".join(
        f"{c:>{max(len(h), 8)}}" if i else f"{c:<18}"
        for i, (c, h) in enumerate(zip(cells, _COLUMNS, strict=True))
    )


def _set_row(name: str, run: EvalRun, blind: bool) -> list[str]:
    m = run.summary["metrics"]
    lang = {k: pct(b["answerable_accuracy"]) for k, b in m["by_lang"].items()}
    return [
        name + (" (blind)" if blind else ""),
        str(m["n"]),
        pct(m["answerable_accuracy"]),
        lang.get("zh", "n/a"),
        lang.get("en", "n/a"),
        pct(m["abstention"]["recall"]),
        pct(m["citation_accuracy"]),
        _ms(m["latency_ms"]["p50"]),
        "passed" if run.passed else "FAILED",
    ]


def _gap_row(name: str, gap: dict[str, Any]) -> list[str]:
    by_lang = gap["answerable_accuracy_by_lang"]
    return [
        f"gap {name}",
        "",
        _pts(gap["answerable_accuracy"]),
        _pts(by_lang.get("zh")),
        _pts(by_lang.get("en")),
        _pts(gap["abstention_recall"]),
        _pts(gap["citation_accuracy"]),
        "",
        "",
    ]


def print_suite(suite: SuiteRun) -> None:
    """The sets side by side, the gaps (percentage points, dev minus the set) and the missing sets."""
    print(_row(list(_COLUMNS)))
    for name, run in suite.runs.items():
        print(_row(_set_row(name, run, bool(run.summary.get("blind")))))
    gaps = suite.summary.get("gaps", {})
    for name, gap in gaps.items():
        print(_row(_gap_row(name, gap)))
    for name, gap in gaps.items():
        by_type = ", ".join(f"{t} {_pts(v)}" for t, v in gap["accuracy_by_type"].items())
        print(f"gap {name} by type (accuracy, points): {by_type}")
    print_missing(suite.missing)
    print(f"-> {suite.out_dir / 'summary.json'}; gates: {'passed' if suite.passed else 'FAILED'}")


def print_missing(missing: Sequence[EvalSet]) -> None:
    """One stderr line per registered set whose file is missing (required: an error, else skipped)."""
    for s in missing:
        if s.required:
            print(f"nia-qa eval: error: required eval set {s.name!r} is missing: {s.path}", file=sys.stderr)
        else:
            print(f"nia-qa eval: skipped eval set {s.name!r}: {s.path} not found", file=sys.stderr)


def print_out_of_fold(oof: dict[str, Any]) -> None:
    how = f"{oof['k']} folds over {oof['n_groups']} fact groups"
    if not oof["refit"]:
        how += f"; {oof['note']}"
    print(f"out-of-fold ({how}): {headline(oof['metrics'])}")
