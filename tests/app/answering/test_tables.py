"""Table-cell matching without the index: how a question names a row, and which tables can answer it."""

from __future__ import annotations

import pytest

from app.answering.cell_scores import score_row
from app.answering.cell_words import build_glossary, content_words, month_word
from app.answering.matching import fold
from app.answering.question import analyze
from app.answering.tables import CellMatch, compatible, names_places_of
from ingest.records import Table, TableRow

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


def test_a_month_name_and_its_abbreviation_are_one_label_word():
    assert content_words("as of December 2023") & content_words("from Feb 1990 to Dec 2023")
    assert month_word("sept") == month_word("september") != ""
    assert month_word("may") == ""  # lower-case, a verb as often as a month


def _table(columns: tuple[str, ...], title_en: str = "Number of Passengers") -> Table:
    rows = (TableRow("合計", "Total", tuple("5" for _ in columns)),)
    return Table("table/x", "appendix/tables/x", "人數統計表", title_en, "人次", "Persons", columns, rows)


def _fits(question: str, table: Table, glossary: dict[str, set[str]] | None = None) -> bool:
    match = CellMatch(table, table.rows[0], table.columns[-1], "5", 1.0, True, True)
    return compatible(analyze(question, "en"), match, glossary)


def test_a_chinese_only_header_has_the_english_words_of_the_reports_other_labels():
    other = _table(("高雄港 Kaohsiung Sea Port",), "Entries and Exits")
    table = _table(("高雄機場 Kaohsiung Airport", "高雄港 (自112.9.1起)"))
    question = "How many passengers did Kaohsiung Port handle?"
    assert not _fits(question, table)  # "Port" is nowhere in the table's English
    assert _fits(question, table, build_glossary([other, table]))


def test_what_is_counted_may_open_with_a_modifier_the_labels_do_not_repeat():
    table = _table(("移工 Undocumented Migrant Workers",), "Undocumented Migrant Workers Arrested")
    assert _fits("How many runaway migrant workers were caught?", table)
    assert not _fits("How many victims were rescued?", table)
    assert not _fits("How many runaway victims were there?", table)  # what follows must be counted too
    assert _fits("How many people were caught?", table)  # "people" counts anything


def test_a_table_answers_a_place_only_where_its_title_or_labels_name_it():
    table = Table(
        "table/1",
        "appendix/tables/1",
        "各機場入出境人數",
        "Entries by Place",
        "人次",
        "Persons",
        ("桃園機場 Taoyuan Airport", "松山機場 Songshan Airport"),
        (TableRow("1月", "Jan", ("1", "2")),),
    )
    assert names_places_of(table, {"松山"}) and names_places_of(table, {"taoyuan"})
    assert not names_places_of(table, {"臺東"})
    assert names_places_of(table, set())
