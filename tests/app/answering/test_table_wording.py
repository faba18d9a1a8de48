"""Table answers worded from a cell (table_wording.py): labels in each language, and a cell's share of
its table's total with both figures shown. The table is a cut of the report's entries-and-exits table."""

from __future__ import annotations

import pytest

from app.answering.arithmetic import asks_share
from app.answering.question import analyze
from app.answering.table_wording import _split_bilingual, answer_share
from app.answering.tables import CellMatch
from ingest.records import Table, TableRow

pytestmark = pytest.mark.unit

PLACES = Table(
    "table/01",
    "appendix/tables/01",
    "112年各機場、港口入出國（境）人數統計表",
    "Number of Entries and Exits by Place",
    "人次",
    "Passengers",
    ("總計 Total", "桃園機場 Taoyuan Airport", "高雄港 Kaohsiung Sea Port"),
    (
        TableRow("8月", "Aug", ("3,596,563", "2,900,000", "37,958")),
        TableRow("總計", "Total", ("36,231,046", "29,269,645", "207,741")),
    ),
)


def _match(row: int, col: int, *, row_named: bool) -> CellMatch:
    r = PLACES.rows[row]
    return CellMatch(PLACES, r, PLACES.columns[col], r.cells[col], 1.0, row_named, True)


def test_a_label_keeps_what_follows_its_last_chinese_word_and_drops_an_empty_unit():
    assert _split_bilingual("桃園機場-T2 Taoyuan Airport-T2 / 通關 Users") == (
        "桃園機場-T2 通關",
        "Taoyuan Airport-T2 / Users",
    )
    assert _split_bilingual("不予通過比率 Refused Rate(%)")[0] == "不予通過比率"


def test_a_share_of_the_total_shows_both_figures():
    q = analyze("112年全國入出境人次中，桃園機場占多少百分比？", "zh")
    assert asks_share(q)
    text = answer_share(q, _match(1, 1, row_named=False))
    assert text is not None and "80.79%" in text and "29,269,645 ÷ 36,231,046" in text
    en = analyze(
        "What percentage of the national total of entries and exits did Taoyuan Airport represent?", "en"
    )
    assert en.answer_type == "percent" and asks_share(en)
    assert "29,269,645 of the total 36,231,046" in (answer_share(en, _match(1, 1, row_named=False)) or "")


def test_a_named_month_keeps_its_row_and_a_total_has_no_share():
    q = analyze("112年8月高雄港入出境人次占全國的比例是多少？", "zh")
    text = answer_share(q, _match(0, 2, row_named=True))
    assert text is not None and "37,958 ÷ 3,596,563" in text  # of all places in August
    assert answer_share(q, _match(1, 0, row_named=False)) is None  # the grand total itself


def test_a_rate_of_two_kinds_is_not_a_share():
    assert not asks_share(
        analyze("What was the approval rate for mainland spouses' interviews in 2023?", "en")
    )
