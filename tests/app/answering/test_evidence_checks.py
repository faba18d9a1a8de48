"""Hard evidence checks: which names of a question the evidence must hold."""

from __future__ import annotations

import pytest

from app.answering.evidence_checks import named_entities
from app.answering.question import analyze

pytestmark = pytest.mark.unit


def test_a_month_abbreviation_is_not_a_name_the_evidence_must_hold():
    names = named_entities(
        analyze("How many visitors entered Taiwan in Sept 2023 from Myanmar?"), frozenset()
    )
    assert names == {"Myanmar"}


def test_asides_in_parentheses_and_capitalised_modifiers_name_nothing():
    q = analyze("Number of foreign engineers residing in Hsinchu City (Xinzhu Shi)?")
    assert named_entities(q, frozenset()) == {"Hsinchu", "City"}  # not Xinzhu, Shi
    q = analyze("What date was the Cabinet-level meeting on new immigrant affairs set up?")
    assert named_entities(q, frozenset()) == set()
