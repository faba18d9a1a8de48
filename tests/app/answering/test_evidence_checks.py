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
