"""Fitting the policy without the index: the grading rule, grouped folds, the threshold."""

from __future__ import annotations

import numpy as np
import pytest

from app.answering.features import FEATURES
from app.answering.fitting import TrainingRow, accuracy_at, choose_threshold, fit_policy, passes
from app.answering.near_miss import near_misses
from app.records import LabeledQuestion

pytestmark = pytest.mark.unit


def test_passes_follows_the_design_grading_rule():
    assert passes("共計 59 萬 2,561 人", ["59萬2,561"])
    assert passes("592561 people", ["592,561"])
    assert not passes("59萬2,562人", ["59萬2,561"])
    assert not passes("x" * 401 + "592,561", ["592,561"])  # over 400 characters is never right


def _row(group: str, good: float, answerable: bool = True, synthetic: bool = False) -> TrainingRow:
    """Two proposals; feature 'lex_cov' is high on the right one (the first)."""
    i = FEATURES.index("lex_cov")
    x = np.zeros((2, len(FEATURES)))
    x[0, i], x[1, i] = good, 0.1
    y = np.array([answerable, False])
    return TrainingRow(group, answerable, synthetic, x, y)


def test_fit_policy_learns_a_separating_feature_out_of_fold():
    rng = np.random.default_rng(0)
    rows = [_row(f"g{i}", 0.7 + 0.3 * rng.random()) for i in range(40)]
    rows += [_row(f"u{i}", 0.2 * rng.random(), answerable=False) for i in range(10)]
    policy, report = fit_policy(rows, k=5)
    assert report["out_of_fold"]["accuracy"] >= 0.9
    assert report["rows"] == 50 and report["synthetic_rows"] == 0
    assert 0.0 < policy.threshold < 1.0


def test_threshold_maximises_accuracy():
    outcomes = [(0.9, True, True), (0.8, True, True), (0.3, False, False), (0.2, False, False)]
    t = choose_threshold(outcomes)
    assert 0.3 < t <= 0.8 and accuracy_at(outcomes, t) == 1.0


def test_near_misses_move_the_year_or_place_only_where_the_evidence_lacks_it():
    e = LabeledQuestion(
        id="x1",
        group="x1",
        lang="zh",
        question="112年臺中港入出境人次是多少？",
        history=(),
        must_include=("1",),
        answerable=True,
        type="table_cell",
        section_zh="附錄 > 表一",
        section_en="",
    )
    texts = {"表一": "112年 基隆港 臺中港 1,234"}
    made = {m.id: m for m in near_misses([e], texts, ["臺中港", "花蓮港"])}
    assert made["x1~year"].question.startswith("107年") and not made["x1~year"].answerable
    assert "花蓮港" in made["x1~place"].question and made["x1~place"].group == "x1"
    texts = {"表一": "107年 112年 臺中港 花蓮港"}
    assert near_misses([e], texts, ["臺中港", "花蓮港"]) == []  # both are in the evidence: answerable


def _variant_row(group: str, needed: bool, signal: float) -> TrainingRow:
    """A plain answer and its variant that adds one thing (feature 'x_len_ratio' stands for the added
    detail's signal): the variant is right only where the plain answer is not (``needed``)."""
    n_sim, extra = FEATURES.index("n_sim"), FEATURES.index("ans_len")
    x = np.zeros((2, len(FEATURES)))
    x[:, n_sim] = 0.8
    x[1, extra] = signal
    y = np.array([not needed, needed])
    return TrainingRow(group, True, False, x, y)


def test_ranked_policy_learns_what_a_variant_adds_where_pointwise_cannot_tell():
    from app.answering.fitting import FAMILIES, out_of_fold
    from app.answering.ranked import RankedPolicy

    rng = np.random.default_rng(1)
    rows = [_variant_row(f"n{i}", True, 0.6 + 0.4 * rng.random()) for i in range(30)]
    rows += [_variant_row(f"p{i}", False, -0.6 - 0.4 * rng.random()) for i in range(30)]
    ranked = [ok for _, ok, _ in out_of_fold(rows, 5, 1.0, "ranked")]
    assert sum(ranked) / len(ranked) >= 0.95  # picks the variant exactly where it is needed
    policy = FAMILIES["ranked"](rows, 1.0)
    assert isinstance(policy, RankedPolicy)
    again = RankedPolicy.from_json(policy.to_json())
    x = rows[0].x
    assert again.choose(x)[0] == policy.choose(x)[0] == 1


def test_fit_policy_reports_both_families_and_keeps_the_better():
    from app.answering.ranked import RankedPolicy

    rng = np.random.default_rng(0)
    rows = [_row(f"g{i}", 0.7 + 0.3 * rng.random()) for i in range(40)]
    rows += [_row(f"u{i}", 0.2 * rng.random(), answerable=False) for i in range(10)]
    policy, report = fit_policy(rows, k=5)
    assert {k.split()[0] for k in report["trials"]} == {"pointwise", "ranked"}
    best = max(report["trials"].values())
    assert report["out_of_fold"]["accuracy"] == best
    assert isinstance(policy, RankedPolicy) == (report["family"] == "ranked")
