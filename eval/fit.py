"""`nia-qa fit`: fit the answer policy on the dev set and write app/answering/model/policy.json.

nia-qa fit                      # dev set, 5 folds grouped by fact; prints out-of-fold figures
nia-qa fit --dry-run            # fold figures only, nothing written

Only the dev set is ever fitted on; blind sets (holdout, paraphrase) are never read here.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from eval.dataset import EvalItem, load_items

DEFAULT_DEV = Path(__file__).resolve().parent / "data" / "dev.jsonl"
_PARAPHRASE_OF = re.compile(r"paraphrase of ([A-Za-z]\d+)")


def labeled(item: EvalItem):
    """The item as the answerer's fitting sees it; paraphrases share their original's group."""
    from app.records import LabeledQuestion

    m = _PARAPHRASE_OF.search(item.note or "")
    return LabeledQuestion(
        id=item.id,
        group=m.group(1) if m else item.id,
        lang=item.lang,
        question=item.question,
        history=tuple(getattr(item, "history", ()) or ()),
        must_include=tuple(item.must_include),
        answerable=item.answerable,
        type=str(item.type),
        section_zh=item.section_zh,
        section_en=item.section_en,
    )


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "fit",
        help="fit the answer policy on the dev set (grouped k-fold; writes app/answering/model/policy.json)",
        description="Collect the answerer's proposals for every dev question, fit the logistic-regression "
        "policy that picks one or abstains, choose its threshold out-of-fold (folds grouped by fact) and "
        "write the coefficients with the fold figures.",
    )
    p.add_argument("--questions", type=Path, default=DEFAULT_DEV, help="labelled set to fit on (the dev set)")
    p.add_argument("--folds", type=int, default=5, help="grouped folds for the threshold (default 5)")
    p.add_argument("--dry-run", action="store_true", help="print the fold figures, write nothing")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from app.answering.fitting import fit_policy
    from app.answering.policy import MODEL_PATH
    from app.pipeline import build_pipeline
    from app.settings import Settings

    items = load_items(args.questions)
    pipeline = build_pipeline(Settings().with_overrides(answer_policy="rules"))
    rows = pipeline.training_rows([labeled(i) for i in items])
    policy, report = fit_policy(rows, k=args.folds)
    print(json.dumps({k: v for k, v in report.items()}, ensure_ascii=False, indent=1))
    if not args.dry_run:
        policy.save(MODEL_PATH)
        print(f"-> {MODEL_PATH}")
    return 0
