"""Table-cell resolver: answer statistics questions from the structured appendix tables.

A cell is chosen by row label (month, city, ... named in the question; the total
row otherwise) and column header (best word/bigram overlap with the question; the
total column otherwise). Split tables arrive re-joined, so cells from the
unlabeled second half carry their row label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.answering.matching import fold, overlap
from app.answering.question import QuestionAnalysis
from ingest.records import Table, TableRow

_TOTAL = re.compile(r"總計|合計|total", re.I)
_MONTH_LABEL = re.compile(r"^\s*(1[0-2]|[1-9])\s*月")


@dataclass(frozen=True)
class CellMatch:
    table: Table
    row: TableRow
    column: str
    value: str
    score: float


def _row_score(q: QuestionAnalysis, row: TableRow, folded_q: str) -> float:
    m = _MONTH_LABEL.match(row.label_zh)
    if m and q.months:
        return 2.0 if int(m.group(1)) in q.months else -1.0
    best = 0.0
    for label in (row.label_zh, row.label_en):
        f = fold(label)
        if f and f in folded_q:
            best = max(best, 1.0 + len(f) / 100)
    return best


def _column_score(q: QuestionAnalysis, column: str) -> float:
    score = overlap(q.search_text, column)
    if _TOTAL.search(column):
        score += 0.01  # tie-break toward totals when the question names no column
    return score


def _numeric(value: str) -> bool:
    return bool(re.search(r"\d", value))


def find_cell(q: QuestionAnalysis, tables: list[Table], table_prior: dict[str, float]) -> CellMatch | None:
    """Best (table, row, column) for the question. ``table_prior`` favours tables retrieval ranked high."""
    folded_q = fold(q.search_text)
    best: CellMatch | None = None
    for table in tables:
        title_score = overlap(q.search_text, f"{table.title_zh} {table.title_en}")
        prior = table_prior.get(table.table_id, 0.0)
        if prior == 0.0 and title_score < 0.3:
            continue
        rows = list(table.rows)
        scored_rows = [(r, _row_score(q, r, folded_q)) for r in rows]
        named = [(r, s) for r, s in scored_rows if s > 0]
        if named:
            row, row_score = max(named, key=lambda rs: rs[1])
        else:
            totals = [r for r in rows if _TOTAL.search(f"{r.label_zh} {r.label_en}")]
            if not totals:
                continue
            row, row_score = totals[-1], 0.2
        cols = [(i, c, _column_score(q, c)) for i, c in enumerate(table.columns) if i < len(row.cells)]
        cols = [(i, c, s) for i, c, s in cols if _numeric(row.cells[i])]
        if not cols:
            continue
        i, column, col_score = max(cols, key=lambda t: t[2])
        score = title_score + prior + 0.5 * row_score + col_score
        if best is None or score > best.score:
            best = CellMatch(table, row, column, row.cells[i], score)
    return best


def _split_bilingual(header: str) -> tuple[str, str]:
    """'總計 Total / 註冊 Applicants' -> ('總計 / 註冊', 'Total / Applicants')."""
    zh_parts, en_parts = [], []
    for part in header.split("/"):
        part = part.strip()
        m = re.match(r"^([^A-Za-z]*?)\s*([A-Za-z].*)?$", part)
        zh, en = (m.group(1) or "").strip(), (m.group(2) or "").strip()
        if zh:
            zh_parts.append(zh)
        if en:
            en_parts.append(en)
    return " ".join(zh_parts) or header, " / ".join(en_parts) or header


def answer_cell(q: QuestionAnalysis, match: CellMatch) -> str:
    t = match.table
    col_zh, col_en = _split_bilingual(match.column)
    if q.lang == "zh":
        unit = re.sub(r"^單位[:：]\s*", "", t.unit_zh).strip()
        row = match.row.label_zh or match.row.label_en
        return (
            f"依「{t.title_zh}」，{row}的{col_zh}為 {match.value}（單位：{unit}）。"
            if unit
            else (f"依「{t.title_zh}」，{row}的{col_zh}為 {match.value}。")
        )
    unit = re.sub(r"^Unit\s*[:：]\s*", "", t.unit_en, flags=re.I).strip()
    row = match.row.label_en or match.row.label_zh
    tail = f" ({unit})" if unit else ""
    return f"According to “{t.title_en}”, {col_en} for {row}: {match.value}{tail}."
