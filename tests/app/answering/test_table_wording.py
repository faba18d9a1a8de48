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


EGATE = Table(
    "table/02",
    "appendix/tables/02",
    "112年自動查驗通關系統註冊及通關人數統計表",
    "Number of e-Gate Applicants and Users",
    "人次",
    "Passengers",
    ("總計 Total / 註冊 Applicants", "總計 Total / 通關 Users", "高雄機場 Kaohsiung Airport / 通關 Users"),
    (TableRow("總計", "Total", ("2,008,690", "20,073,026", "1,403,454")),),
)


def test_a_column_s_total_is_the_same_header_with_a_total_in_its_place():
    q = analyze("What share of all e-Gate users does Kaohsiung Airport have?", "en")
    row = EGATE.rows[0]
    match = CellMatch(EGATE, row, EGATE.columns[2], "1,403,454", 1.0, False, True)
    text = answer_share(q, match)
    assert text is not None and "6.99%" in text and "20,073,026" in text  # users, not applicants
