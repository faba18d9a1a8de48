"""Which proposal answers, or abstain: a fitted, calibrated policy (and the hand rules it replaced).

:class:`FittedPolicy` is a logistic regression over :data:`~app.answering.features.FEATURES` that
estimates P(this proposal's answer is right); the best proposal answers when that probability clears
one threshold, chosen out-of-fold on the dev set (see :mod:`app.answering.fitting`). Its coefficients
live in ``app/answering/model/policy.json`` (a few KB, written by ``nia-qa fit``).

:class:`~app.answering.ranked.RankedPolicy` is the two-stage alternative (a pairwise ranker picks, a
calibrated abstainer decides); ``nia-qa fit`` fits both families and keeps the better out-of-fold,
and the model file says which (``kind``).

:class:`RulePolicy` is the hand-written order of the previous answerer (office, then a strong table
cell, then the best sentence if it covers enough of the question), kept as the ablation baseline and
as the fallback when no fitted model is present.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from app.answering.features import FEATURES
from app.answering.question import QuestionAnalysis
from app.answering.types import Proposal, Route
from ingest.errors import UserError

MODEL_PATH = Path(__file__).resolve().parent / "model" / "policy.json"


class Policy(Protocol):
    name: str

    def decide(self, q: QuestionAnalysis, proposals: list[Proposal]) -> tuple[Proposal | None, float | None]:
        """The proposal that answers (None: abstain) and the confidence the decision rests on."""
        ...


def feature_matrix(proposals: list[Proposal]) -> np.ndarray:
    return np.array([[p.features.get(n, 0.0) for n in FEATURES] for p in proposals], dtype=np.float64)


@dataclass(frozen=True)
class FittedPolicy:
    """Standardised logistic regression + one abstention threshold."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float
    meta: dict[str, Any]
    name: str = "fitted"

    def choose(self, x: np.ndarray) -> tuple[int, float]:
        """(index of the most probable proposal, its probability) for a proposals x features matrix."""
        z = (x - self.mean) / self.scale
        p = 1.0 / (1.0 + np.exp(-(z @ self.coef + self.intercept)))
        best = int(np.argmax(p))
        return best, float(p[best])

    def decide(self, q: QuestionAnalysis, proposals: list[Proposal]) -> tuple[Proposal | None, float | None]:
        if not proposals:
            return None, None
        best, confidence = self.choose(feature_matrix(proposals))
        return (proposals[best] if confidence >= self.threshold else None), confidence

    # -- persistence ----------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.name,
            "features": list(FEATURES),
            "mean": [round(float(x), 6) for x in self.mean],
            "scale": [round(float(x), 6) for x in self.scale],
            "coef": [round(float(x), 6) for x in self.coef],
            "intercept": round(self.intercept, 6),
            "threshold": round(self.threshold, 4),
            "meta": self.meta,
        }

    def save(self, path: Path = MODEL_PATH) -> None:
        from app.answering.ranked import write_model

        write_model(self.to_json(), path)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FittedPolicy:
        if list(data.get("features", [])) != list(FEATURES):
            raise ValueError("the fitted policy was fitted on other features; run `nia-qa fit`")
        arrays = [np.asarray(data[k], dtype=np.float64) for k in ("mean", "scale", "coef")]
        if any(a.shape != (len(FEATURES),) for a in arrays) or not all(np.isfinite(a).all() for a in arrays):
            raise ValueError("the fitted policy file is malformed")
        threshold = float(data["threshold"])
        if not (0.0 <= threshold <= 1.0) or not math.isfinite(float(data["intercept"])):
            raise ValueError("the fitted policy file is malformed")
        return cls(*arrays, float(data["intercept"]), threshold, dict(data.get("meta", {})))

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> Policy | None:
        """The committed policy (pointwise or ranked, as ``nia-qa fit`` chose), or None when there is
        none (the rule policy then decides)."""
        from app.answering.ranked import RankedPolicy

        if not path.is_file():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(data, dict) and data.get("kind") == RankedPolicy.name:
                return RankedPolicy.from_json(data)
            return cls.from_json(data)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise UserError(
                f"the answer policy {path.name} is unreadable or malformed ({exc}); restore it from git "
                "or run `nia-qa fit`, or set NIA_QA_ANSWER_POLICY=rules"
            ) from None


@dataclass(frozen=True)
class RulePolicy:
    """The previous answerer's hand-set decision order (ablation baseline)."""

    config: Any
    name: str = "rules"

    def decide(self, q: QuestionAnalysis, proposals: list[Proposal]) -> tuple[Proposal | None, float | None]:
        by_route: dict[Route, list[Proposal]] = {}
        for p in proposals:
            by_route.setdefault(p.route, []).append(p)
        if Route.OFFICE in by_route:
            return by_route[Route.OFFICE][0], None
        table = next((p for p in by_route.get(Route.TABLE, []) if p.features.get("t_rules")), None)
        strength = round(3 * table.features.get("t_strength", 0.0)) if table else 0
        if table is not None and strength >= 2:
            return table, None
        narrative = by_route.get(Route.COMPUTE, [None])[0] or self._narrative(q, by_route)
        if table is not None and (narrative is None or strength >= 1):
            return table, None
        return narrative, None

    def _narrative(self, q: QuestionAnalysis, by_route: dict[Route, list[Proposal]]) -> Proposal | None:
        best = [p for p in by_route.get(Route.NARRATIVE, []) if p.features.get("n_global_best")]
        if not best:
            return None
        f = best[0].features
        min_cov = self.config.min_coverage_zh if q.lang == "zh" else self.config.min_coverage_en
        if not f.get("n_fit"):
            return None  # no evidence of the asked kind
        if f["n_cov"] < min_cov or f["n_score"] < self.config.min_score:
            return None
        return best[0]
