"""Sentence splitting (sentences.py): where a sentence ends, and what stays with it (the first text is the
report's own; the second puts a report clause next to a made-up one)."""

import pytest

from app.answering.sentences import split_sentences

pytestmark = pytest.mark.unit

OVERSTAYERS = (
    "經統計，112 年查處逾期停（居）留外來人口計 4 萬 2,851 人；其中，失聯移工 2 萬 7,048 人，成效為歷年最佳。"
)


def test_a_clause_breaking_down_the_figure_before_the_semicolon_stays_with_it():
    assert split_sentences(OVERSTAYERS, "zh") == [OVERSTAYERS]


def test_other_semicolons_and_full_stops_still_end_a_sentence():
    text = "112 年共辦理 2 次弱點掃描作業；112 年共辦理 2 次滲透測試作業。其中 1 次為全面測試。"
    assert split_sentences(text, "zh") == [
        "112 年共辦理 2 次弱點掃描作業；",
        "112 年共辦理 2 次滲透測試作業。",
        "其中 1 次為全面測試。",
    ]
