"""Fit the answer policy on labelled questions (the dev set), with folds grouped by fact.

Training rows are the proposals the resolvers make for each question; a proposal is positive when
its answer text passes the item's ``must_include`` (the DESIGN.md grading rule), and every proposal of
an unanswerable question is negative. A logistic regression scores proposals; the abstention threshold
is the one that maximises out-of-fold accuracy (answer right, or abstain on an unanswerable question),
with folds grouped so that paraphrases of one fact never straddle a fold.

>>> policy, report = fit_policy(rows)          # rows from Pipeline.training_rows(examples)
>>> report["out_of_fold"]["accuracy"]
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.answering.policy import FittedPolicy, feature_matrix
from app.answering.types import Proposal

MAX_ANSWER_CHARS = 400  # DESIGN.md grading: a longer answer is never right
_WS = re.compile(r"\s+")
_DIGIT_COMMA = re.compile(r"(?<=\d),(?=\d)")


def _norm(text: str) -> str:
    return _WS.sub("", unicodedata.normalize("NFKC", text).lower())


def passes(answer: str, must_include: Iterable[str]) -> bool:
    """DESIGN.md's rule for an answerable item: at most 400 characters and one ``must_include`` string
    (normalised: NFKC, lower-case, no whitespace; numbers also without thousands separators)."""
    if len(answer) > MAX_ANSWER_CHARS:
        return False
    h = _norm(answer)
    for s in must_include:
        n = _norm(s)
        if n and (n in h or _DIGIT_COMMA.sub("", n) in _DIGIT_COMMA.sub("", h)):
            return True
    return False


@dataclass(frozen=True)
class TrainingRow:
    """One labelled question with its proposals (features and whether each is right)."""

    group: str
    answerable: bool
    synthetic: bool
    x: np.ndarray  # proposals x features
    y: np.ndarray  # proposal is right

    @classmethod
    def of(
        cls,
        group: str,
        answerable: bool,
        must_include: Sequence[str],
        proposals: list[Proposal],
        synthetic: bool = False,
    ) -> TrainingRow:
        y = np.array([answerable and passes(p.draft.answer, must_include) for p in proposals], dtype=bool)
        return cls(group, answerable, synthetic, feature_matrix(proposals), y)


def _fit_lr(rows: Sequence[TrainingRow], c: float) -> tuple[np.ndarray, np.ndarray, Any]:
    from sklearn.linear_model import LogisticRegression

    x = np.vstack([r.x for r in rows if len(r.x)])
    y = np.concatenate([r.y for r in rows if len(r.x)])
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    model = LogisticRegression(C=c, max_iter=2000)
    model.fit((x - mean) / scale, y)
    return mean, scale, model


def _policy(mean, scale, model, threshold: float, meta: dict[str, Any]) -> FittedPolicy:
    return FittedPolicy(mean, scale, model.coef_[0].copy(), float(model.intercept_[0]), threshold, meta)


def _best(policy: FittedPolicy, row: TrainingRow) -> tuple[float, bool]:
    """(confidence of the best proposal, whether it is right); (0, False) without proposals."""
    if not len(row.x):
        return 0.0, False
    z = (row.x - policy.mean) / policy.scale
    p = 1.0 / (1.0 + np.exp(-(z @ policy.coef + policy.intercept)))
    i = int(np.argmax(p))
    return float(p[i]), bool(row.y[i])


def outcome_table(policy: FittedPolicy, rows: Sequence[TrainingRow]) -> list[tuple[float, bool, bool]]:
    """Per row: (confidence, best proposal right, answerable)."""
    return [(*_best(policy, r), r.answerable) for r in rows]


def accuracy_at(outcomes: Sequence[tuple[float, bool, bool]], threshold: float) -> float:
    right = sum(
        (conf >= threshold and ok) or (conf < threshold and not answerable)
        for conf, ok, answerable in outcomes
    )
    return right / max(len(outcomes), 1)


def choose_threshold(outcomes: Sequence[tuple[float, bool, bool]]) -> float:
    """The threshold with the best accuracy; ties go to the middle of the best run."""
    grid = np.round(np.arange(0.02, 0.96, 0.01), 2)
    scores = np.array([accuracy_at(outcomes, t) for t in grid])
    best = np.flatnonzero(scores >= scores.max() - 1e-12)
    return float(grid[best[len(best) // 2]])


def summarise(outcomes: Sequence[tuple[float, bool, bool]], threshold: float) -> dict[str, float]:
    answerable = [o for o in outcomes if o[2]]
    unanswerable = [o for o in outcomes if not o[2]]
    return {
        "n": len(outcomes),
        "accuracy": round(accuracy_at(outcomes, threshold), 4),
        "answerable_accuracy": round(
            sum(c >= threshold and ok for c, ok, _ in answerable) / max(len(answerable), 1), 4
        ),
        "abstention_recall": round(
            sum(c < threshold for c, _, _ in unanswerable) / max(len(unanswerable), 1), 4
        ),
        "false_abstention": round(sum(c < threshold for c, _, _ in answerable) / max(len(answerable), 1), 4),
    }


def _folds(rows: Sequence[TrainingRow], k: int) -> list[tuple[list[int], list[int]]]:
    from sklearn.model_selection import GroupKFold

    groups = [r.group for r in rows]
    k = max(2, min(k, len(set(groups))))
    idx = np.arange(len(rows))
    return [(list(a), list(b)) for a, b in GroupKFold(n_splits=k).split(idx, groups=groups)]


def out_of_fold(rows: Sequence[TrainingRow], k: int = 5, c: float = 1.0) -> list[tuple[float, bool, bool]]:
    """Each row (real and synthetic, in order) scored by a model fitted on the other folds."""
    outcomes: list[tuple[float, bool, bool] | None] = [None] * len(rows)
    for train, test in _folds(rows, k):
        mean, scale, model = _fit_lr([rows[i] for i in train], c)
        policy = _policy(mean, scale, model, 0.5, {})
        for i in test:
            outcomes[i] = (*_best(policy, rows[i]), rows[i].answerable)
    return [o for o in outcomes if o is not None]


C_GRID = (0.1, 0.3, 1.0, 3.0)  # inverse regularisation strengths tried; the best out-of-fold wins


def fit_policy(rows: Sequence[TrainingRow], k: int = 5) -> tuple[FittedPolicy, dict[str, Any]]:
    """The policy fitted on all ``rows``: regularisation and threshold chosen out-of-fold (grouped
    folds), then refitted on everything; the report carries the fold figures that chose them."""
    real_at = [i for i, r in enumerate(rows) if not r.synthetic]
    trials = []
    for c in C_GRID:
        oof_all = out_of_fold(rows, k, c)
        # Near-miss variants train the model; the threshold is chosen on the real questions alone.
        threshold = choose_threshold([oof_all[i] for i in real_at])
        oof = [oof_all[i] for i in real_at]
        trials.append((accuracy_at(oof, threshold), -c, c, threshold, oof, oof_all))
    _, _, c, threshold, oof, oof_all = max(trials, key=lambda t: (t[0], t[1]))
    mean, scale, model = _fit_lr(rows, c)
    real = [r for r in rows if not r.synthetic]
    report: dict[str, Any] = {
        "folds": k,
        "C": c,
        "C_trials": {str(t[2]): round(t[0], 4) for t in trials},
        "rows": len(real),
        "synthetic_rows": len(rows) - len(real),
        "threshold": threshold,
        "out_of_fold": summarise(oof, threshold),
        "out_of_fold_near_misses_refused": round(
            sum(conf < threshold for conf, _, _ in oof_all[len(real_at) :])
            / max(len(rows) - len(real_at), 1),
            4,
        ),
    }
    policy = _policy(mean, scale, model, threshold, report)  # its meta is ``report``, completed below
    report["in_sample"] = summarise(outcome_table(policy, real), threshold)
    return policy, report
