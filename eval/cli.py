"""`nia-qa eval`: run the registered eval sets through the user-facing pipeline, validate them, compare runs.

nia-qa eval --out data/build/eval/ci                                   # every set; exit 1 on a gate miss
nia-qa eval --questions eval/data/dev.jsonl --out data/build/eval/dev   # one set
nia-qa eval --folds 5                                                  # + out-of-fold figures on dev
nia-qa eval --check [FILE]                                             # exit 1 on any error
nia-qa eval --compare data/build/eval/old data/build/eval/new
nia-qa eval --compare-retrievers --questions eval/data/dev.jsonl --out DIR   # retrieval table, 4 retrievers

The sets, their blind flags and gates are registered in [tool.nia-qa.eval] (eval/registry.py); a blind
set's outputs and messages carry aggregates, ids and flags only.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.records import QAPipeline
    from app.settings import Settings
    from eval.dataset import EvalItem
    from eval.registry import EvalConfig, EvalSet
    from eval.runner import EvalRun

DEFAULT_QUESTIONS = Path(__file__).resolve().parent / "data" / "dev.jsonl"
ALL_SETS = Path("<all registered sets>")  # --check without FILE


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
        help="grade answers on the registered eval sets (report, metrics, CI gate); --check / --compare",
        description="Answer every eval item through the same pipeline users get, grade it (DESIGN.md), "
        "write results.jsonl, summary.json, report.md, config.json to --out; exit 1 when a gate in "
        "[tool.nia-qa.eval] is missed. Without --questions every registered set runs (one dir each under "
        "--out, plus a summary.json with the generalisation gaps); blind sets report aggregates only.",
    )
    p.add_argument(
        "--questions", type=Path, default=None, help="one eval set JSONL (default: every registered set)"
    )
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output directory (default: <build_dir>/eval/<name>, all sets: <build_dir>/eval/<run>/<set>)",
    )
    p.add_argument(
        "--check",
        type=Path,
        nargs="?",
        const=ALL_SETS,
        metavar="FILE",
        help="validate an eval set against the ingested sections (no FILE: every registered set)",
    )
    p.add_argument("--blind", action="store_true", help="treat --questions FILE as blind (aggregates only)")
    p.add_argument(
        "--folds",
        type=_positive_int,
        metavar="K",
        help="also report grouped K-fold out-of-fold figures on dev (refits the answerer per fold)",
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
        "--gates",
        "--config",
        dest="gates",
        type=Path,
        metavar="TOML",
        help="file holding [tool.nia-qa.eval]: sets and gates (default: pyproject.toml)",
    )
    p.add_argument("--answerer", help="override the configured answerer ('extractive' or 'llm')")
    p.add_argument("--ingest-dir", type=Path, help="ingest output used by --check (default: from settings)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(handler=run)


def _build_pipeline(settings: Settings) -> QAPipeline:
    """The pipeline users get (one factory for CLI, web, eval and tests)."""
    from app.pipeline import build_pipeline

    return build_pipeline(settings)


def _run_check(args: argparse.Namespace, settings: Settings, config: EvalConfig) -> int:
    from eval.check import check_file, format_report, load_catalog
    from eval.console import print_missing

    if args.check == ALL_SETS:
        specs = [s for s in config.sets if s.exists]
        missing = [s for s in config.sets if not s.exists]
    else:
        specs, missing = [_spec(args, config, args.check)], []
    print_missing(missing)
    catalog = load_catalog(settings.corpus_path, args.ingest_dir or settings.ingest_dir)
    reports = [check_file(spec.path, catalog) for spec in specs]
    for spec, report in zip(specs, reports, strict=True):
        print(format_report(report, blind=spec.blind))
    ok = all(r.ok for r in reports) and not any(s.required for s in missing)
    return 0 if ok else 1


def _run_compare(args: argparse.Namespace) -> int:
    from eval.compare import compare_dirs, format_comparison, is_blind_run

    old, new = args.compare
    blind = is_blind_run(old) or is_blind_run(new)
    print(format_comparison(compare_dirs(old, new), old, new, blind=blind))
    return 0


def _run_compare_retrievers(args: argparse.Namespace, settings: Settings, config: EvalConfig) -> int:
    import datetime

    from eval.console import pct
    from eval.dataset import load_items
    from eval.retrieval_compare import TutorialRetriever, minilm_model_dir, run_comparison, write_outputs
    from ingest.errors import UserError

    questions = args.questions or DEFAULT_QUESTIONS
    if _spec(args, config, questions).blind:
        raise UserError(
            f"{questions}: a blind set is read as aggregate numbers only, not for --compare-retrievers"
        )
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
            f"{name:9s} string recall@1/@4/@10 {pct(m['recall@1'])}/{pct(m['recall@4'])}/"
            f"{pct(m['recall@10'])}, MRR {mrr}"
        )
    print(f"-> {json_path}, {md_path}")
    return 0


def _spec(args: argparse.Namespace, config: EvalConfig, path: Path) -> EvalSet:
    """The registered set at ``path`` (blind if registered blind or ``--blind``), or an ad-hoc one."""
    from dataclasses import replace

    spec = config.set_for(path)
    return replace(spec, blind=True) if getattr(args, "blind", False) else spec


def _gate_messages(runs: dict[str, EvalRun]) -> None:
    for name, run in runs.items():
        for g in run.gate_results:
            if not g.passed:
                print(f"nia-qa eval: {name}: gate missed: {g.describe()}", file=sys.stderr)


def _check_folds(args: argparse.Namespace, spec: EvalSet | None, items: Sequence[EvalItem]) -> None:
    """Refuse --folds on a blind set or with too few fact groups before the (slow) run starts."""
    from eval.folds import fact_groups, fold_splits
    from eval.registry import DEV_SET
    from ingest.errors import UserError

    if spec is None:
        raise UserError(f"--folds: no {DEV_SET!r} set to fit on")
    if spec.blind:
        raise UserError(f"--folds: {spec.path} is blind; parameters are fitted on dev only")
    fold_splits(fact_groups(items), args.folds)


def _out_of_fold(pipeline: QAPipeline, items: Sequence[EvalItem], k: int, run: EvalRun) -> dict[str, Any]:
    from eval.console import print_out_of_fold
    from eval.folds import out_of_fold_summary

    oof = out_of_fold_summary(pipeline, items, k, run.summary["metrics"])
    print_out_of_fold(oof)
    return oof


def _run_one(args: argparse.Namespace, settings: Settings, config: EvalConfig) -> int:
    from eval.console import print_run
    from eval.runner import write_json
    from eval.suite import run_set

    spec = _spec(args, config, args.questions)
    items = spec.load(args.limit)  # validate before the (slow) pipeline loads
    if args.folds:
        _check_folds(args, spec, items)
    out = args.out or settings.build_dir / "eval" / spec.path.stem
    pipeline = _build_pipeline(settings)
    progress = not args.no_progress
    result = run_set(pipeline, spec, items, out, progress=progress, settings=settings, limit=args.limit)
    print_run(result)
    if args.folds:
        oof = _out_of_fold(pipeline, items, args.folds, result)
        write_json(result.out_dir, "summary.json", {**result.summary, "out_of_fold": oof})
    _gate_messages({spec.name: result})
    return 0 if result.passed else 1


def _run_all(args: argparse.Namespace, settings: Settings, config: EvalConfig) -> int:
    import datetime

    from eval.console import print_suite
    from eval.registry import DEV_SET
    from eval.runner import write_json
    from eval.suite import load_sets, run_suite
    from ingest.errors import UserError

    items, missing = load_sets(config, args.limit)  # validate before the (slow) pipeline loads
    if not items:
        raise UserError(f"{config.source}: no registered eval set found on disk")
    if args.folds:
        _check_folds(args, config.get(DEV_SET) if DEV_SET in items else None, items.get(DEV_SET, []))
    run_name = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S")
    out = args.out or settings.build_dir / "eval" / run_name
    pipeline = _build_pipeline(settings)
    progress = not args.no_progress
    suite = run_suite(
        pipeline, config, items, out, missing=missing, progress=progress, settings=settings, limit=args.limit
    )
    print_suite(suite)
    if args.folds:
        oof = _out_of_fold(pipeline, items[DEV_SET], args.folds, suite.runs[DEV_SET])
        write_json(out, "summary.json", {**suite.summary, "out_of_fold": oof})
    _gate_messages(suite.runs)
    return 0 if suite.passed else 1


def run(args: argparse.Namespace) -> int:
    from app.settings import Settings
    from eval.registry import load_config
    from ingest.errors import UserError

    if args.compare:
        return _run_compare(args)
    try:
        settings = Settings().with_overrides(answerer=args.answerer)
    except ValueError as exc:
        raise UserError(f"invalid settings: {exc}".splitlines()[0]) from exc
    config = load_config(args.gates)
    if args.check:
        return _run_check(args, settings, config)
    if args.compare_retrievers:
        return _run_compare_retrievers(args, settings, config)
    if args.blind and args.questions is None:
        raise UserError("--blind applies to --questions FILE")
    return _run_one(args, settings, config) if args.questions else _run_all(args, settings, config)
