"""The answer policy without the index: which proposal answers, when it abstains, what a model file must be."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.answering.extractive import ExtractiveConfig
from app.answering.features import FEATURES
from app.answering.policy import FittedPolicy, RulePolicy
from app.answering.question import analyze
from app.answering.types import Draft, Proposal, Route
from ingest.errors import UserError

pytestmark = pytest.mark.unit


def _proposal(route: Route, **features: float) -> Proposal:
    return Proposal(Draft(f"{route} answer", False, (), route=route), {f"route_{route}": 1.0, **features})


def _policy(weights: dict[str, float], threshold: float) -> FittedPolicy:
    n = len(FEATURES)
    coef = np.array([weights.get(name, 0.0) for name in FEATURES])
    return FittedPolicy(np.zeros(n), np.ones(n), coef, 0.0, threshold, {})


def test_fitted_policy_answers_with_the_most_probable_proposal():
    policy = _policy({"lex_cov": 4.0}, threshold=0.5)
    weak, strong = _proposal(Route.NARRATIVE, lex_cov=0.2), _proposal(Route.TABLE, lex_cov=0.9)
    chosen, confidence = policy.decide(analyze("112年入出境人次是多少？", "zh"), [weak, strong])
    assert chosen is strong
    assert confidence == pytest.approx(1 / (1 + np.exp(-3.6)))


def test_fitted_policy_abstains_below_its_threshold():
    policy = _policy({"lex_cov": 4.0}, threshold=0.9)
    chosen, confidence = policy.decide(analyze("How many?", "en"), [_proposal(Route.NARRATIVE, lex_cov=0.1)])
    assert chosen is None and confidence is not None and confidence < 0.9
    assert policy.decide(analyze("How many?", "en"), []) == (None, None)


def test_policy_file_round_trips_and_rejects_other_features(tmp_path):
    policy = _policy({"n_sim": 2.0}, threshold=0.3)
    path = tmp_path / "policy.json"
    policy.save(path)
    again = FittedPolicy.load(path)
    assert again is not None and again.threshold == 0.3 and np.allclose(again.coef, policy.coef)
    data = json.loads(path.read_text())
    data["features"] = data["features"][:-1]
    with pytest.raises(ValueError, match="other features"):
        FittedPolicy.from_json(data)
    data = json.loads(path.read_text())
    data["coef"][0] = float("nan")
    with pytest.raises(ValueError, match="malformed"):
        FittedPolicy.from_json(data)
    assert FittedPolicy.load(tmp_path / "missing.json") is None
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(UserError, match="nia-qa fit"):
        FittedPolicy.load(path)  # a damaged file is one clear line, not a traceback


def test_rule_policy_keeps_the_previous_order():
    rules = RulePolicy(ExtractiveConfig())
    q = analyze("移民署的電話是多少？", "zh")
    office = _proposal(Route.OFFICE)
    table = _proposal(Route.TABLE, t_rules=1.0, t_strength=1.0)
    narrative = _proposal(Route.NARRATIVE, n_global_best=1.0, n_fit=1.0, n_cov=0.9, n_score=1.0)
    assert rules.decide(q, [narrative, table, office])[0] is office
    assert rules.decide(q, [narrative, table])[0] is table  # a cell the old bar accepted beats prose
    weak = _proposal(Route.NARRATIVE, n_global_best=1.0, n_fit=1.0, n_cov=0.05, n_score=1.0)
    assert rules.decide(q, [weak])[0] is None  # too little of the question in the evidence


def test_committed_policy_matches_the_features():
    policy = FittedPolicy.load()
    assert policy is not None, "app/answering/model/policy.json is missing: run `nia-qa fit`"
    assert 0.0 < policy.threshold < 1.0
    assert policy.meta["out_of_fold"]["n"] >= 291  # fitted on at least the dev set, folds reported


def test_ranked_policy_file_loads_as_ranked_and_rejects_damage(tmp_path):
    from app.answering.ranked import N_EXTRA, RankedPolicy

    n = len(FEATURES)
    rank = np.zeros(n)
    rank[FEATURES.index("lex_cov")] = 2.0
    policy = RankedPolicy(np.zeros(n), np.ones(n), rank, np.zeros(n + N_EXTRA), 1.0, 0.5, {})
    path = tmp_path / "policy.json"
    policy.save(path)
    loaded = FittedPolicy.load(path)
    assert isinstance(loaded, RankedPolicy)
    weak, strong = _proposal(Route.NARRATIVE, lex_cov=0.2), _proposal(Route.TABLE, lex_cov=0.9)
    chosen, confidence = loaded.decide(analyze("112年入出境人次是多少？", "zh"), [weak, strong])
    assert chosen is strong and confidence == pytest.approx(1 / (1 + np.exp(-1.0)))
    data = json.loads(path.read_text())
    data["abst_coef"] = data["abst_coef"][:-1]
    path.write_text(json.dumps(data))
    with pytest.raises(UserError, match="nia-qa fit"):
        FittedPolicy.load(path)
