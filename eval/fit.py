"""`nia-qa fit`: fit the answer policy on the dev set and write app/answering/model/policy.json.

nia-qa fit                      # dev set, 5 folds grouped by fact; prints out-of-fold figures
nia-qa fit --dry-run            # fold figures only, nothing written

Only the dev set is ever fitted on; blind sets (holdout, paraphrase) are never read here.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from eval.dataset import load_items

DATA = Path(__file__).resolve().parent / "data"
DEFAULT_SETS = (DATA / "dev.jsonl", DATA / "dev_paraphrase.jsonl")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "fit",
        help="fit the answer policy on the dev sets (grouped k-fold; writes app/answering/model/policy.json)",
        description="Collect the answerer's proposals for every question of the tuning sets (dev and its "
        "non-blind rewording), fit the logistic-regression policy that picks one or abstains, choose its "
        "regularisation and threshold out-of-fold (folds grouped by fact, so a fact and its rewordings "
        "stay in one fold) and write the coefficients with the fold figures. Blind sets are refused.",
    )
    p.add_argument(
        "--questions",
        type=Path,
        nargs="+",
        default=list(DEFAULT_SETS),
        help="labelled tuning sets to fit on (default: eval/data/dev.jsonl eval/data/dev_paraphrase.jsonl)",
    )
    p.add_argument("--folds", type=int, default=5, help="grouped folds for C and the threshold (default 5)")
    p.add_argument("--dry-run", action="store_true", help="print the fold figures, write nothing")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from app.answering.fitting import fit_policy
    from app.answering.policy import MODEL_PATH
    from app.pipeline import build_pipeline
    from app.settings import Settings
    from eval.folds import fact_groups, labeled
    from eval.registry import load_config
    from ingest.errors import UserError

    blind = {s.path.resolve() for s in load_config().sets if s.blind}
    for path in args.questions:
        if path.resolve() in blind:
            raise UserError(f"{path} is a blind set: the policy is fitted on tuning sets only")
    items = [item for path in args.questions for item in load_items(path)]
    groups = fact_groups(items)
    pipeline = build_pipeline(Settings().with_overrides(answer_policy="rules"))
    rows = pipeline.trainer().rows([labeled(i, g) for i, g in zip(items, groups, strict=True)])
    policy, report = fit_policy(rows, k=args.folds)
    report["sets"] = [str(p) for p in args.questions]
    print(json.dumps(report, ensure_ascii=False, indent=1))
    if not args.dry_run:
        policy.save(MODEL_PATH)
        print(f"-> {MODEL_PATH}")
    return 0
