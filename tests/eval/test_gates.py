"""Gates come from [tool.nia-qa.eval]; a typo or a bad value is a user error, not a silent pass."""

from __future__ import annotations

import pytest

from eval.gates import Gates, evaluate_gates, parse_gates
from ingest.errors import UserError

pytestmark = pytest.mark.unit

METRICS = {
    "answerable_accuracy": 0.9,
    "citation_accuracy": 0.7,
    "abstention": {"recall": None, "false_abstention_rate": 0.1},
    "by_lang": {"zh": {"answerable_accuracy": 0.95}, "en": {"answerable_accuracy": 0.85}},
}


def test_min_max_and_by_lang_gates() -> None:
    gates = parse_gates(
        {
            "min_answerable_accuracy": 0.9,
            "min_citation_accuracy": 0.8,
            "max_false_abstention_rate": 0.05,
            "min_answerable_accuracy_by_lang": {"zh": 0.9, "en": 0.9},
        }
    )
    results = {g.name: g for g in evaluate_gates(gates, METRICS)}
    assert results["min_answerable_accuracy"].passed  # equal to the minimum passes
    assert not results["min_citation_accuracy"].passed
    assert not results["max_false_abstention_rate"].passed
    assert results["min_answerable_accuracy_by_lang.zh"].passed
    assert not results["min_answerable_accuracy_by_lang.en"].passed
    assert "required >= 0.800 -> FAIL" in results["min_citation_accuracy"].describe()


def test_undefined_metric_is_not_applicable() -> None:
    (g,) = evaluate_gates(parse_gates({"min_abstention_recall": 0.9}), METRICS)
    assert g.passed and g.status == "n/a"


def test_no_gates_pass() -> None:
    assert evaluate_gates(Gates(), METRICS) == []


@pytest.mark.parametrize(
    "table",
    [{"min_answerable_acuracy": 0.9}, {"min_citation_accuracy": 1.5}, {"min_citation_accuracy": "high"},
     {"min_answerable_accuracy_by_lang": {"fr": 0.9}}],
)  # fmt: skip
def test_bad_config_is_a_user_error(table: dict) -> None:
    with pytest.raises(UserError):
        parse_gates(table, "x.toml")
