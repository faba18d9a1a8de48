"""A two-stage answer policy: a pairwise ranker picks the proposal, a calibrated model says whether to answer.

The pointwise policy (:class:`~app.answering.policy.FittedPolicy`) scores each proposal on its own,
so a proposal that differs from another only by what it adds (a computed figure, a note of the
Chinese original) is judged by the same features as every other answer. Here a linear ranker is
fitted on *differences* between a question's right and wrong proposals (a conditional-logit style
pairwise logistic regression), so what decides between two proposals is exactly where they differ;
then a second logistic regression, over the picked proposal's features, its ranking score and its
lead over the runner-up, estimates P(the picked answer is right) against one threshold.
``nia-qa fit`` fits both policies and keeps the one with the better out-of-fold accuracy.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from app.answering.features import FEATURES
from app.answering.question import QuestionAnalysis
from app.answering.types import Proposal

LEAD_CAP = 4.0  # the runner-up lead (ranking-score units) a lone proposal is given, and the cap of any lead
N_EXTRA = 3  # abstainer inputs beyond the features: ranking score, lead, lone proposal


def write_model(data: dict[str, Any], path: Path) -> None:
    """Write a policy's JSON atomically (a temporary file, then a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)


def standardise(x: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    return (x - mean) / scale


def abstainer_input(z: np.ndarray, scores: np.ndarray) -> tuple[int, np.ndarray]:
    """The ranker's pick among standardised proposals ``z`` and the abstainer's input for it."""
    order = np.argsort(-scores, kind="stable")
    best = int(order[0])
    lead = LEAD_CAP if len(order) == 1 else min(float(scores[best] - scores[order[1]]), LEAD_CAP)
    extra = np.array([scores[best], lead, float(len(order) == 1)])
    return best, np.concatenate([z[best], extra])


@dataclass(frozen=True)
class RankedPolicy:
    """Pairwise ranker + calibrated abstainer + one threshold (see the module docstring)."""

    mean: np.ndarray
    scale: np.ndarray
    rank_coef: np.ndarray
    abst_coef: np.ndarray  # len(FEATURES) + N_EXTRA
    abst_intercept: float
    threshold: float
    meta: dict[str, Any]
    name: str = "ranked"

    def choose(self, x: np.ndarray) -> tuple[int, float]:
        """(index of the picked proposal, its P(right)) for a proposals x features matrix."""
        z = standardise(x, self.mean, self.scale)
        best, a = abstainer_input(z, z @ self.rank_coef)
        return best, float(1.0 / (1.0 + np.exp(-(a @ self.abst_coef + self.abst_intercept))))

    def decide(self, q: QuestionAnalysis, proposals: list[Proposal]) -> tuple[Proposal | None, float | None]:
        from app.answering.policy import feature_matrix

        if not proposals:
            return None, None
        best, confidence = self.choose(feature_matrix(proposals))
        return (proposals[best] if confidence >= self.threshold else None), confidence

    def save(self, path: Path) -> None:
        write_model(self.to_json(), path)

    def to_json(self) -> dict[str, Any]:
        def rounded(a: np.ndarray) -> list[float]:
            return [round(float(v), 6) for v in a]

        return {
            "kind": self.name,
            "features": list(FEATURES),
            "mean": rounded(self.mean),
            "scale": rounded(self.scale),
            "rank_coef": rounded(self.rank_coef),
            "abst_coef": rounded(self.abst_coef),
            "abst_intercept": round(self.abst_intercept, 6),
            "threshold": round(self.threshold, 4),
            "meta": self.meta,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RankedPolicy:
        if list(data.get("features", [])) != list(FEATURES):
            raise ValueError("the fitted policy was fitted on other features; run `nia-qa fit`")
        n = len(FEATURES)
        shapes = {"mean": n, "scale": n, "rank_coef": n, "abst_coef": n + N_EXTRA}
        arrays = {k: np.asarray(data[k], dtype=np.float64) for k in shapes}
        if any(arrays[k].shape != (m,) or not np.isfinite(arrays[k]).all() for k, m in shapes.items()):
            raise ValueError("the fitted policy file is malformed")
        threshold, intercept = float(data["threshold"]), float(data["abst_intercept"])
        if not (0.0 <= threshold <= 1.0) or not math.isfinite(intercept):
            raise ValueError("the fitted policy file is malformed")
        return cls(
            arrays["mean"],
            arrays["scale"],
            arrays["rank_coef"],
            arrays["abst_coef"],
            intercept,
            threshold,
            dict(data.get("meta", {})),
        )
