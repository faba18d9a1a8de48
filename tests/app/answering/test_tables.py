"""Table-cell matching without the index: how a question names a row."""

from __future__ import annotations

import pytest

from app.answering.cell_scores import score_row
from app.answering.cell_words import content_words
from app.answering.matching import fold
from app.answering.question import analyze
from ingest.records import TableRow

pytestmark = pytest.mark.unit


def _score(question: str, lang: str, zh: str, en: str) -> float:
    q = analyze(question, lang)
    return score_row(q, TableRow(zh, en, ("1",)), fold(q.search_text), content_words(q.search_text))


def test_an_english_row_label_named_in_part_counts_in_proportion():
    partial = _score("How many spouses from Vietnam live in Kaohsiung?", "en", "高雄市", "Kaohsiung City")
    whole = _score("How many spouses from Vietnam live in Kaohsiung City?", "en", "高雄市", "Kaohsiung City")
    other = _score("How many spouses from Vietnam live in Kaohsiung?", "en", "雲林縣", "Yunlin County")
    assert 0 < partial < whole and other == 0.0


def test_a_row_named_by_another_qualifier_ranks_below_the_one_named_in_full():
    q = "How many passengers went through Kaohsiung Airport?"
    airport = _score(q, "en", "高雄機場", "Kaohsiung Airport")
    port = _score(q, "en", "高雄港", "Kaohsiung Port")
    assert airport > port > 0


def test_label_words_match_across_english_word_forms():
    assert content_words("How many interpreters were provided?") & content_words("Interpretation Service")
    assert content_words("e-Gate users") & content_words("Users")
    assert "myanmar" in content_words("Myanmar")  # names stay whole
