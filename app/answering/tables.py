"""Table-cell resolver: answer statistics questions from the structured appendix tables.

A cell is chosen by row label (a month, city, ... named in the question; the
total row otherwise) and column header (the header parts the question names;
total columns when it names none or asks for a total). Split tables arrive
re-joined, so cells from the unlabeled second half carry their row label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from app.answering.arithmetic import asks_share
from app.answering.cell_scores import (
    named_parts,
    score_column,
    score_row,
    score_title,
    table_relevance,
    title_echo,
)
from app.answering.cell_words import (
    ASKS_TOTAL,
    MONTH_LABEL,
    RATE,
    TOTAL_LABEL,
    ZH_PHRASES,
    content_words,
    zh_part,
)
from app.answering.matching import fold
from app.answering.question import QuestionAnalysis, is_month_word, name_text
from ingest.records import Table, TableRow


@dataclass(frozen=True)
class CellMatch:
    table: Table
    row: TableRow
    column: str
    value: str
    score: float
    row_named: bool
    column_named: bool
    title_score: float = 0.0
    relevance: float = 0.0  # share of the question's content the table's text mentions
    # A second named cell (another month, another column) for sums and differences.
    second: tuple[TableRow, str, str] | None = None


_MONEY_UNIT = re.compile(r"元|NT\$|dollar", re.I)
# A proper name's word: capitalised, not opening the question or a sentence ("Myanmar"). Each must be
# in the table: a looser rule (one word of a name is enough) answered questions about places the
# table does not list (holdout abstention 39.7 -> 36.2).
_CAPITALISED = re.compile(r"(?<!^)(?<![.?!]\s)\b([A-Z][a-z]{2,})\b")
_GENERIC_CAPS = frozenset(
    "NIA Taiwan Taiwanese China Chinese Mainland Hong Kong Macao Macau Ministry Interior Agency Immigration "
    "National Total How What Which Who When Where".split()
)


# Units that count the same kind of thing ("多少名"失聯移工 is answered in 人).
_UNIT_GROUPS = ["人名位員口", "件案起", "次通趟", "艘", "座台臺", "元萬億", "場", "班", "張", "家所"]


def _unit_kinds(unit: str) -> set[int]:
    return {i for i, group in enumerate(_UNIT_GROUPS) for ch in unit if ch in group}


_CUMULATIVE = re.compile(
    r"截至|累計|迄今|至今|as of|by the end of|cumulative|so far|to date|in total since", re.I
)


# What "how many"/"number of" counts: its first word, then up to two more ("runaway | migrant workers").
_COUNTED_NOUN = re.compile(r"\b(?:how many|number of)\s+([a-z][a-z-]+)((?:\s+[a-z][a-z-]+){0,2})", re.I)
_GENERIC_COUNTED = frozenset(
    "people persons person individuals times more fewer other additional new in the a of total".split()
)


def compatible(q: QuestionAnalysis, match: CellMatch, glossary: dict[str, set[str]] | None = None) -> bool:
    """Whether the cell can answer the question at all: the asked unit and kind fit the table,
    and every proper name in the question appears somewhere in the table. A header printed only in
    Chinese ("高雄港 (自112.9.1起)") has the English words the report's other labels give it (``glossary``)."""
    if q.answer_type in {"date", "duration"}:
        return False  # cells hold counts and amounts: "in which year did ... begin" is never a cell
    t = match.table
    unit = f"{t.unit_zh} {t.unit_en}"
    monthly = any(MONTH_LABEL.match(r.label_zh) for r in t.rows)
    if monthly and _CUMULATIVE.search(q.search_text) and not q.months:
        return False  # "截至112年底累計..." asks for a running total, not one year's monthly flow
    if q.answer_type == "amount" and not _MONEY_UNIT.search(unit):
        return False
    if q.answer_type == "percent" and not RATE.search(match.column) and not asks_share(q):
        return False  # a rate is asked; a count answers it only as its share of the table's total
    if q.lang == "zh" and q.unit and not (_unit_kinds(q.unit) & _unit_kinds(t.unit_zh)):
        return False  # "幾艘郵輪" cannot be answered in 人次
    if q.lang == "en":
        table_text = " ".join([t.title_en, *t.columns, *(r.label_en for r in t.rows)])
        table_words = content_words(table_text) | set(re.findall(r"[a-z]+", table_text.lower()))
        table_words |= _glossary_words(t, glossary or {})
        asked = content_words(q.search_text)  # after phrase rewriting ("Terminal 1" -> "t1")
        if not _counted_in_table(q.search_text, table_words):
            return False  # "number of victims" is not answered by a table of cases
        for name in _CAPITALISED.findall(name_text(q.search_text)):
            if not _name_in_table(name, asked, table_words):
                return False  # "Myanmar" spouses: the table has no such column
    return True


def _glossary_words(table: Table, glossary: dict[str, set[str]]) -> set[str]:
    """English words of the table's Chinese-only header parts, as the report's other labels give them."""
    words: set[str] = set()
    for part in {p for c in table.columns for p in c.split(" / ")}:
        if not re.search(r"[A-Za-z]", re.sub(r"[(（][^)）]*[)）]", "", part)):
            words |= glossary.get(fold(zh_part(part)), set())
    return words


def _counted_in_table(text: str, table_words: set[str]) -> bool:
    """Whether the table counts what the question counts: the counted noun's first word is in the
    table, or it is a modifier the labels do not repeat and the words after it, up to the first
    function word, all are ("runaway migrant workers" in a table of undocumented migrant workers)."""
    counted = _COUNTED_NOUN.search(text)
    if not counted:
        return True
    first = counted.group(1).lower()
    if first in _GENERIC_COUNTED or content_words(first) <= table_words:
        return True
    head: set[str] = set()
    for word in counted.group(2).lower().split():
        if word in _GENERIC_COUNTED or not content_words(word):
            break
        head |= content_words(word)
    return bool(head) and head <= table_words


def _name_in_table(name: str, asked: set[str], table_words: set[str]) -> bool:
    """Whether the table holds a capitalised word of the question; month names ("Sept") and generic
    words name nothing, and a word the phrase rewriting replaced is judged by its replacement."""
    if name in _GENERIC_CAPS or is_month_word(name) or not content_words(name) <= asked:
        return True
    return content_words(name) <= table_words or name.lower() in table_words


def find_cell(
    q: QuestionAnalysis,
    tables: list[Table],
    table_prior: dict[str, float],
    glossary: dict[str, set[str]] | None = None,
) -> CellMatch | None:
    """Best (table, row, column) for the question. ``table_prior`` favours tables retrieval ranked high."""
    cells = find_cells(q, tables, table_prior, glossary)
    return cells[0] if cells else None


def find_cells(
    q: QuestionAnalysis,
    tables: list[Table],
    table_prior: dict[str, float],
    glossary: dict[str, set[str]] | None = None,
    alternatives: int = 1,
) -> list[CellMatch]:
    """(table, row, column) matches, best first: each table's best cell and, with ``alternatives`` > 1,
    its next-best columns and rows (the policy chooses among them)."""
    asked = _asked(q, glossary)
    found: list[CellMatch] = []
    for table in tables:
        found += _table_cells(asked, table, table_prior.get(table.table_id, 0.0), alternatives)
    return sorted(found, key=lambda m: -m.score)


@dataclass(frozen=True)
class _Asked:
    """The question as the tables' labels are matched against it."""

    q: QuestionAnalysis
    fold: str
    words: set[str]
    glossary: dict[str, set[str]]
    wants_total: bool


def _asked(q: QuestionAnalysis, glossary: dict[str, set[str]] | None) -> _Asked:
    text = q.search_text
    for pattern, repl in ZH_PHRASES:
        text = pattern.sub(repl, text)
    return _Asked(q, fold(text), content_words(text), glossary or {}, bool(ASKS_TOTAL.search(text)))


# A column scored for the question: (score, -index, index, header, whether the question names it).
_Column = tuple[float, int, int, str, bool]


@dataclass(frozen=True)
class _RowPick:
    """The row a table's cell is read from, with every row the question names and the next-best ones."""

    row: TableRow
    score: float
    named: list[tuple[TableRow, float]]
    others: list[tuple[TableRow, float]]


def _table_cells(asked: _Asked, table: Table, prior: float, alternatives: int) -> list[CellMatch]:
    """One table's best cell, then its next-best columns and rows (``alternatives`` - 1 of each)."""
    q = asked.q
    title = table.title_zh if q.lang == "zh" else table.title_en
    title_score = score_title(title, asked.words, asked.fold, q.lang)
    if prior == 0.0 and title_score < 0.3:
        return []
    pick = _pick_row(asked, table, alternatives)
    if pick is None:
        return []
    row, row_score = pick.row, pick.score
    cols = _columns(asked, table, row)
    if not cols:
        return []
    ranked_cols = sorted(cols, reverse=True)
    col_score, _, i, column, col_named = ranked_cols[0]
    # A month row only counts when the table is about the question at all.
    row_weight = 0.5 if title_score + prior >= 0.5 else 0.1
    relevance = table_relevance(table, asked.fold, asked.words, q.lang)
    score = title_score + 0.5 * prior + row_weight * row_score + col_score + relevance
    base = CellMatch(
        table,
        row,
        column,
        row.cells[i],
        score,
        # "合計幾件" names the total row as surely as "11月" names a month row.
        row_score > 0 or (asked.wants_total and bool(TOTAL_LABEL.search(f"{row.label_zh} {row.label_en}"))),
        col_named,
        title_score,
        relevance,
        _second_cell(asked, pick, i, column, cols),
    )
    found = [base]
    for c_score, _, j, other_column, named in ranked_cols[1:alternatives]:
        found.append(
            replace(
                base,
                column=other_column,
                value=row.cells[j],
                score=score - col_score + c_score,
                column_named=named,
                second=None,
            )
        )
    for other_row, r_score in pick.others:
        if i < len(other_row.cells) and re.search(r"\d", other_row.cells[i]):
            found.append(
                replace(
                    base,
                    row=other_row,
                    value=other_row.cells[i],
                    score=score - row_weight * (row_score - r_score),
                    second=None,
                )
            )
    return found


def _pick_row(asked: _Asked, table: Table, alternatives: int) -> _RowPick | None:
    """The row the question names (a month, a city ...; the last total row when it names none)."""
    scored_rows = [(r, score_row(asked.q, r, asked.fold, asked.words)) for r in table.rows]
    named_rows = [(r, s) for r, s in scored_rows if s > 0]
    if named_rows:
        row, row_score = max(named_rows, key=lambda rs: rs[1])
        other_rows = sorted(named_rows, key=lambda rs: -rs[1])[1:alternatives]
        return _RowPick(row, row_score, named_rows, other_rows)
    totals = [r for r in table.rows if TOTAL_LABEL.search(f"{r.label_zh} {r.label_en}")]
    if not totals:
        return None
    return _RowPick(totals[-1], 0.0, named_rows, [])


def _columns(asked: _Asked, table: Table, row: TableRow) -> list[_Column]:
    """The row's numeric cells' columns, scored by how the question names their headers."""
    cols = []
    for i, column in enumerate(table.columns):
        if i >= len(row.cells) or not re.search(r"\d", row.cells[i]):
            continue
        s, named = score_column(column, asked.fold, asked.words, asked.glossary, asked.wants_total)
        s -= title_echo(column, table.title_zh, asked.fold)
        if asked.q.answer_type == "percent":
            s += 0.5 if RATE.search(column) else -0.3
        cols.append((s, -i, i, column, named))
    return cols


def _second_cell(
    asked: _Asked, pick: _RowPick, i: int, column: str, cols: list[_Column]
) -> tuple[TableRow, str, str] | None:
    """A second named cell for sums and differences: the next named row's cell in the same column, or
    the same row's cell in another column the question names."""
    ranked_rows = sorted(pick.named, key=lambda rs: rs[1], reverse=True)
    if len(ranked_rows) >= 2 and ranked_rows[1][1] >= 1.0 and i < len(ranked_rows[1][0].cells):
        other = ranked_rows[1][0]
        return (other, column, other.cells[i])
    # Another column that names something else ("警政署" besides "移民署"), not a sibling
    # of the same group ("越南 / 男" besides "越南 / 計") that adds no named part.
    # Among those, the column that differs from the first only in the named part ("T1 / Users"
    # besides "T2 / Users", not "T1 / Applicants").
    named_cols = sorted((c for c in cols if c[4] and c[2] != i), reverse=True)
    first_named = named_parts(column, asked.fold, asked.words, asked.glossary)
    first_parts = set(column.split(" / "))
    others = [
        (len(set(other_column.split(" / ")) & first_parts), k, j, other_column)
        for k, (_, _, j, other_column, _) in enumerate(named_cols)
        if named_parts(other_column, asked.fold, asked.words, asked.glossary) - first_named
    ]
    if others:
        _, _, j, other_column = max(others, key=lambda o: (o[0], -o[1]))
        return (pick.row, other_column, pick.row.cells[j])
    return None


def names_places_of(table: Table, places: set[str], glossary: dict[str, set[str]] | None = None) -> bool:
    """Whether the table's title or labels (either language; a Chinese-only label in the English the other
    tables give it, ``glossary``) name every one of ``places``."""
    if not places:
        return True
    labels = [*table.columns, *(f"{r.label_zh} {r.label_en}" for r in table.rows)]
    english = [
        " ".join(sorted((glossary or {}).get(fold(zh_part(part)), ())))
        for label in labels
        for part in label.split(" / ")
    ]
    text = " ".join([table.title_zh, table.title_en, *labels, *english]).replace("台", "臺").lower()
    return all(p.lower() in text for p in places)
