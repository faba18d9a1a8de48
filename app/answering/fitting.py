"""Fit the answer policy on labelled questions (the dev set), with folds grouped by fact.

Training rows are the proposals the resolvers make for each question; a proposal is positive when
its answer text passes the item's ``must_include`` (the DESIGN.md grading rule), and every proposal of
an unanswerable question is negative. A logistic regression scores proposals; the abstention threshold
is the one that maximises out-of-fold accuracy (answer right, or abstain on an unanswerable question),
with folds grouped so that paraphrases of one fact never straddle a fold.

>>> policy, report = fit_policy(rows)          # rows from pipeline.trainer().rows(examples)
>>> report["out_of_fold"]["accuracy"]
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np

from app.answering.policy import FittedPolicy, feature_matrix
from app.answering.ranked import N_EXTRA, RankedPolicy, abstainer_input, standardise
from app.answering.types import Proposal


class Chooser(Protocol):
    """A fitted policy as the fitting sees it: which proposal, and its confidence."""

    threshold: float

    def choose(self, x: np.ndarray) -> tuple[int, float]: ...


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
    mean, scale = _mean_scale(x)
    model = LogisticRegression(C=c, max_iter=2000)
    model.fit(standardise(x, mean, scale), y)
    return mean, scale, model


def _mean_scale(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature mean and standard deviation (1 where a feature is constant) for standardising."""
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    return mean, scale


def _policy(mean, scale, model, threshold: float, meta: dict[str, Any]) -> FittedPolicy:
    return FittedPolicy(mean, scale, model.coef_[0].copy(), float(model.intercept_[0]), threshold, meta)


def _best(policy: Chooser, row: TrainingRow) -> tuple[float, bool]:
    """(confidence of the picked proposal, whether it is right); (0, False) without proposals."""
    if not len(row.x):
        return 0.0, False
    i, confidence = policy.choose(row.x)
    return confidence, bool(row.y[i])


# -- the ranked policy (app.answering.ranked) ------------------------------------------------------
MAX_PAIRS = 40  # right-wrong proposal pairs per question (evenly subsampled beyond): each question weighs 1


def _pairs(
    z_rows: Sequence[np.ndarray], rows: Sequence[TrainingRow]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Differences right - wrong (label 1) and wrong - right (label 0) of each question's proposals."""
    diffs, labels, weights = [], [], []
    for z, r in zip(z_rows, rows, strict=True):
        pos, neg = np.flatnonzero(r.y), np.flatnonzero(~r.y)
        pairs = [(i, j) for i in pos for j in neg]
        if not pairs:
            continue
        if len(pairs) > MAX_PAIRS:
            pairs = [pairs[k] for k in np.linspace(0, len(pairs) - 1, MAX_PAIRS).astype(int)]
        for i, j in pairs:
            d = z[i] - z[j]
            diffs += [d, -d]
            labels += [1, 0]
            weights += [1.0 / len(pairs)] * 2
    return np.array(diffs), np.array(labels), np.array(weights)


def _fit_ranked(rows: Sequence[TrainingRow], c: float) -> RankedPolicy:
    """Pairwise ranker, then the abstainer on the ranker's picks (threshold set by the caller)."""
    from sklearn.linear_model import LogisticRegression

    with_props = [r for r in rows if len(r.x)]
    mean, scale = _mean_scale(np.vstack([r.x for r in with_props]))
    z_rows = [standardise(r.x, mean, scale) for r in with_props]
    diffs, labels, weights = _pairs(z_rows, with_props)
    rank_coef = np.zeros(len(mean))
    if len(labels):
        ranker = LogisticRegression(C=c, fit_intercept=False, max_iter=2000)
        ranker.fit(diffs, labels, sample_weight=weights * len(with_props) / max(weights.sum(), 1e-9))
        rank_coef = ranker.coef_[0].copy()
    inputs, right = [], []
    for z, r in zip(z_rows, with_props, strict=True):
        best, a = abstainer_input(z, z @ rank_coef)
        inputs.append(a)
        right.append(bool(r.y[best]))
    y = np.array(right)
    if y.all() or not y.any():  # one class only: a constant probability
        rate = float(y.mean())
        intercept = math.log(max(rate, 1e-6) / max(1 - rate, 1e-6))
        return RankedPolicy(mean, scale, rank_coef, np.zeros(len(mean) + N_EXTRA), intercept, 0.5, {})
    abstainer = LogisticRegression(C=c, max_iter=2000).fit(np.array(inputs), y)
    coef, intercept = abstainer.coef_[0].copy(), float(abstainer.intercept_[0])
    return RankedPolicy(mean, scale, rank_coef, coef, intercept, 0.5, {})


def _fit_pointwise(rows: Sequence[TrainingRow], c: float) -> FittedPolicy:
    mean, scale, model = _fit_lr(rows, c)
    return _policy(mean, scale, model, 0.5, {})


#: the policy families ``fit_policy`` tries; the one with the better out-of-fold accuracy is kept
FAMILIES: dict[str, Callable[[Sequence[TrainingRow], float], Chooser]] = {
    "pointwise": _fit_pointwise,
    "ranked": _fit_ranked,
}


def outcome_table(policy: Chooser, rows: Sequence[TrainingRow]) -> list[tuple[float, bool, bool]]:
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


def out_of_fold(
    rows: Sequence[TrainingRow], k: int = 5, c: float = 1.0, family: str = "pointwise"
) -> list[tuple[float, bool, bool]]:
    """Each row (real and synthetic, in order) scored by a model fitted on the other folds."""
    outcomes: list[tuple[float, bool, bool] | None] = [None] * len(rows)
    for train, test in _folds(rows, k):
        policy = FAMILIES[family]([rows[i] for i in train], c)
        for i in test:
            outcomes[i] = (*_best(policy, rows[i]), rows[i].answerable)
    return [o for o in outcomes if o is not None]


C_GRID = (0.1, 0.3, 1.0, 3.0)  # inverse regularisation strengths tried; the best out-of-fold wins


def fit_policy(rows: Sequence[TrainingRow], k: int = 5) -> tuple[Chooser, dict[str, Any]]:
    """The policy fitted on all ``rows``: its family (pointwise or ranked), regularisation and threshold
    chosen out-of-fold (grouped folds), then refitted on everything; the report carries the fold
    figures that chose them."""
    real_at = [i for i, r in enumerate(rows) if not r.synthetic]
    trials = []
    for family in FAMILIES:
        for c in C_GRID:
            oof_all = out_of_fold(rows, k, c, family)
            # Near-miss variants train the model; the threshold is chosen on the real questions alone.
            oof = [oof_all[i] for i in real_at]
            threshold = choose_threshold(oof)
            trials.append((accuracy_at(oof, threshold), -c, family, c, threshold, oof, oof_all))
    _, _, family, c, threshold, oof, oof_all = max(trials, key=lambda t: (t[0], t[1]))
    real = [r for r in rows if not r.synthetic]
    report: dict[str, Any] = {
        "folds": k,
        "family": family,
        "C": c,
        "trials": {f"{t[2]} C={t[3]}": round(t[0], 4) for t in trials},
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
    fitted = FAMILIES[family](rows, c)
    policy = replace(fitted, threshold=threshold, meta=report)  # its meta is ``report``, completed below
    report["in_sample"] = summarise(outcome_table(policy, real), threshold)
    return policy, report
