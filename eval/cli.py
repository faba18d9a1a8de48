"""`nia-qa eval`: run the dev set through the user-facing pipeline, validate an eval set, or compare runs.

nia-qa eval --questions eval/data/dev.jsonl --out data/build/eval/dev   # exit 1 when a gate is missed
nia-qa eval --check eval/data/dev.jsonl                                # exit 1 on any error
nia-qa eval --compare data/build/eval/old data/build/eval/new
nia-qa eval --compare-retrievers --questions eval/data/dev.jsonl --out DIR   # retrieval table, 4 retrievers
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.records import QAPipeline
    from app.settings import Settings

DEFAULT_QUESTIONS = Path(__file__).resolve().parent / "data" / "dev.jsonl"


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "eval",
        help="grade answers on the dev set (report, metrics, CI gate); --check / --compare",
        description="Answer every eval item through the same pipeline users get, grade it (DESIGN.md), "
        "write results.jsonl, summary.json, report.md, config.json to --out; exit 1 when a gate in "
        "[tool.nia-qa.eval] is missed.",
    )
    p.add_argument(
        "--questions", type=Path, default=None, help=f"eval set JSONL (default: {DEFAULT_QUESTIONS})"
    )
    p.add_argument(
        "--out", type=Path, default=None, help="output directory (default: <build_dir>/eval/<name>)"
    )
    p.add_argument(
        "--check", type=Path, metavar="FILE", help="validate an eval set against the ingested sections"
    )
    p.add_argument(
        "--compare",
        nargs=2,
        type=Path,
        metavar=("OLD_DIR", "NEW_DIR"),
        help="print items that changed right->wrong / wrong->right between two runs",
    )
    p.add_argument(
        "--compare-retrievers",
        action="store_true",
        help="recall@1/4/10 + MRR of the LangChain tutorial recipe, dense, BM25 and hybrid retrieval "
        "side by side (writes retrieval_compare.json/.md to --out)",
    )
    p.add_argument("--limit", type=_positive_int, help="only the first N items (quick runs)")
    p.add_argument(
        "--gates", type=Path, metavar="TOML", help="file holding [tool.nia-qa.eval] (default: pyproject.toml)"
    )
    p.add_argument("--answerer", help="override the configured answerer ('extractive' or 'llm')")
    p.add_argument("--ingest-dir", type=Path, help="ingest output used by --check (default: from settings)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(handler=run)


def _build_pipeline(settings: Settings) -> QAPipeline:
    """The pipeline users get (one factory for CLI, web, eval and tests)."""
    from app.pipeline import build_pipeline

    return build_pipeline(settings)


def _pct(value: Any) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _run_check(args: argparse.Namespace, settings: Settings) -> int:
    from eval.check import check_file, format_report, load_catalog

    catalog = load_catalog(settings.corpus_path, args.ingest_dir or settings.ingest_dir)
    report = check_file(args.check, catalog)
    print(format_report(report))
    return 0 if report.ok else 1


def _run_compare(args: argparse.Namespace) -> int:
    from eval.compare import compare_dirs, format_comparison

    old, new = args.compare
    print(format_comparison(compare_dirs(old, new), old, new))
    return 0


def _run_compare_retrievers(args: argparse.Namespace, settings: Settings) -> int:
    import datetime

    from eval.dataset import load_items
    from eval.retrieval_compare import TutorialRetriever, minilm_model_dir, run_comparison, write_outputs

    questions = args.questions or DEFAULT_QUESTIONS
    items = load_items(questions)
    if args.limit:
        items = items[: args.limit]
    model_dir = minilm_model_dir()  # fail fast, before the pipeline loads
    out = args.out or settings.build_dir / "eval" / "retrieval-compare"
    pipeline = _build_pipeline(settings)
    tutorial = TutorialRetriever.build(settings.corpus_path.read_text(encoding="utf-8"), model_dir)
    result = run_comparison(pipeline, items, tutorial, progress=not args.no_progress)
    result["meta"] = {
        "questions": str(questions),
        "limit": args.limit,
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "nia-qa eval --compare-retrievers --questions "
        + str(questions)
        + (f" --limit {args.limit}" if args.limit else ""),
    }
    json_path, md_path = write_outputs(result, out)
    for name, r in result["retrievers"].items():
        m = r["metrics"]["string"]["overall"]
        mrr = "n/a" if m["mrr"] is None else f"{m['mrr']:.3f}"
        print(
            f"{name:9s} string recall@1/@4/@10 {_pct(m['recall@1'])}/{_pct(m['recall@4'])}/"
            f"{_pct(m['recall@10'])}, MRR {mrr}"
        )
    print(f"-> {json_path}, {md_path}")
    return 0


def _print_summary(run: Any) -> None:
    m = run.summary["metrics"]
    ab, ret, lat = m["abstention"], m["retrieval"]["gold"], m["latency_ms"]
    print(f"{m['n']} items -> {run.out_dir}")
    print(f"  accuracy {_pct(m['accuracy'])}, answerable {_pct(m['answerable_accuracy'])}", end="")
    print("".join(f", {lang} {_pct(b['answerable_accuracy'])}" for lang, b in m["by_lang"].items()))
    print(
        f"  abstention recall {_pct(ab['recall'])}, precision {_pct(ab['precision'])}, "
        f"false abstentions {_pct(ab['false_abstention_rate'])}"
    )
    print(
        f"  citation accuracy {_pct(m['citation_accuracy'])}; retrieval recall@1/@4/@10 "
        f"{_pct(ret['recall@1'])}/{_pct(ret['recall@4'])}/{_pct(ret['recall@10'])}"
    )
    p50 = "n/a" if lat["p50"] is None else f"{lat['p50']:.1f}"
    p95 = "n/a" if lat["p95"] is None else f"{lat['p95']:.1f}"
    print(f"  latency p50 {p50} ms, p95 {p95} ms")
    print("  gates: " + ("passed" if run.passed else "FAILED"))


def run(args: argparse.Namespace) -> int:
    from app.settings import Settings
    from ingest.errors import UserError

    if args.compare:
        return _run_compare(args)
    try:
        settings = Settings().with_overrides(answerer=args.answerer)
    except ValueError as exc:
        raise UserError(f"invalid settings: {exc}".splitlines()[0]) from exc
    if args.check:
        return _run_check(args, settings)
    if args.compare_retrievers:
        return _run_compare_retrievers(args, settings)

    from eval.dataset import load_items
    from eval.gates import load_gates
    from eval.runner import run_eval

    questions = args.questions or DEFAULT_QUESTIONS
    items = load_items(questions)  # validate before the (slow) pipeline loads
    if args.limit:
        items = items[: args.limit]
    gates = load_gates(args.gates)
    out = args.out or settings.build_dir / "eval" / questions.stem
    pipeline = _build_pipeline(settings)
    result = run_eval(
        pipeline,
        items,
        out,
        progress=not args.no_progress,
        gates=gates,
        settings=settings,
        questions_path=questions,
        limit=args.limit,
    )
    _print_summary(result)
    if not result.passed:
        for g in result.gate_results:
            if not g.passed:
                print(f"nia-qa eval: gate missed: {g.describe()}", file=sys.stderr)
        return 1
    return 0
