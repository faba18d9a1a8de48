"""The wording of table answers: a cell (or two combined) as a sentence with the table's own labels,
units and title, and the label texts that describe a cell for similarity."""

from __future__ import annotations

import re

from app.answering.cell_words import RATE
from app.answering.question import QuestionAnalysis
from app.answering.tables import CellMatch
from ingest.records import Table, TableRow

_ZH_THEN_EN = re.compile(r"^(.*[\u3400-\u9fff]\S*)\s+([^\u3400-\u9fff]+)$")


def _split_bilingual(header: str) -> tuple[str, str]:
    """'總計 Total / 註冊 Applicants' -> ('總計 註冊', 'Total / Applicants')."""
    zh_parts, en_parts = [], []
    for part in header.split(" / "):
        part = re.sub(r"[(（][^)）]*\d[^)）]*[)）]", "", part)  # "(自112.4.1起)": a note, not a name
        whole = _ZH_THEN_EN.match(part.strip())
        if whole:  # "桃園機場-T2 Taoyuan Airport-T2": the Chinese runs to its last Chinese word
            zh, en = whole.group(1), whole.group(2)
        else:
            zh = "".join(re.findall(r"[\u3400-\u9fff（）()、]+", part)).strip()
            en = re.sub(r"[\u3400-\u9fff（）、]+", " ", part).strip()
        zh = re.sub(r"[(（]\s*[)）]", "", zh).strip()  # "比率 Rate(%)" leaves "()" behind
        if zh:
            zh_parts.append(zh)
        if en:
            en_parts.append(re.sub(r"\s+", " ", en))
    return " ".join(zh_parts) or header, " / ".join(en_parts) or header


def _unit(table: Table, column: str, lang: str) -> str:
    if RATE.search(column):
        return "%"
    raw = table.unit_zh if lang == "zh" else table.unit_en
    raw = re.sub(r"^(單位|unit)\s*[:：]\s*", "", raw.strip(), flags=re.I)
    first = re.split(r"[、，,；;/]", raw)[0].strip()
    return first if lang == "zh" else first.lower()


def answer_cells(q: QuestionAnalysis, match: CellMatch, kind: str, operands: int = 2) -> str | None:
    """A sum or difference of the two named cells, with both shown: '相差 1,798,852 人次（3,730,193 − 1,931,341）…'.

    None when the question combines more than two things (``operands``): two cells would be a wrong total.
    """
    if match.second is None or operands > 2 or kind not in {"sum", "difference"}:
        return None
    row2, column2, value2 = match.second
    try:
        a = float(match.value.replace(",", ""))
        b = float(value2.replace(",", ""))
    except ValueError:
        return None
    result = abs(a - b) if kind == "difference" else a + b
    first = (match.row, match.column, match.value)
    if kind == "difference" and a < b:  # show "larger − smaller"
        first, (row2, column2, value2) = (row2, column2, value2), first
    row1, column1, value1 = first
    unit = _unit(match.table, match.column, q.lang)
    shown = f"{int(result):,}" if result == int(result) else f"{result:,.2f}"
    op = " − " if kind == "difference" else " + "
    if q.lang == "zh":
        head = "相差" if kind == "difference" else "合計"
        label = lambda r, c: f"{r.label_zh or r.label_en}{_split_bilingual(c)[0]}"  # noqa: E731
        return (
            f"{head} {shown} {unit}（{label(row1, column1)} {value1}{op}"
            f"{label(row2, column2)} {value2}），依「{match.table.title_zh}」。"
        )
    head = "The difference is" if kind == "difference" else "In total,"
    label = lambda r, c: f"{_split_bilingual(c)[1]} for {r.label_en or r.label_zh}"  # noqa: E731
    return (
        f"{head} {shown} {unit} ({label(row1, column1)}: {value1}{op}"
        f"{label(row2, column2)}: {value2}), according to “{match.table.title_en}”."
    )


_TOTAL_WORD = re.compile(r"^(?:總計|合計|小計|計|total|sub-?total)$", re.I)


def _cell_phrase(row: TableRow, column: str, lang: str) -> str:
    """What a cell counts, in the table's own words: "7月基隆港" / "Keelung Port, Jul". Total parts are
    dropped where another part names the thing, and a total row reads as "合計" / "total"."""
    col_zh, col_en = _split_bilingual(column)
    zh = lang == "zh"
    parts = col_zh.split(" ") if zh else [p.strip() for p in col_en.split(" / ")]
    named = [p for p in parts if p and not _TOTAL_WORD.match(p)] or parts[-1:]
    label = (row.label_zh or row.label_en) if zh else (row.label_en or row.label_zh)
    row_is_total = bool(_TOTAL_WORD.match(label.strip()))
    if zh:
        head = "".join(named)
        return f"{head}合計" if row_is_total else f"{label}{head}"
    head = ", ".join(named)
    return f"{head}, total" if row_is_total else f"{head}, {label}"


def answer_cell(q: QuestionAnalysis, match: CellMatch) -> str:
    """The cell as a direct answer, figure first: '7月基隆港為 66,069 人次（依「表名」）。' /
    '66,069 passengers: Keelung Port, Jul (“title”).'"""
    t = match.table
    unit = _unit(t, match.column, q.lang)
    sep = "" if unit == "%" else " "
    phrase = _cell_phrase(match.row, match.column, q.lang)
    if q.lang == "zh":
        return f"{phrase}為 {match.value}{sep}{unit}（依「{t.title_zh}」）。"
    return f"{match.value}{sep}{unit}: {phrase} (“{t.title_en}”)."


def cell_label_texts(table: Table, row: TableRow, column: str) -> tuple[str, str, str]:
    """The texts that name a cell: its row label, its column header and its table's title (both
    languages each), as embedded with the report's sentences for the cell's similarity features."""
    return (
        f"{row.label_zh} {row.label_en}".strip(),
        column,
        f"{table.title_zh} {table.title_en}".strip(),
    )


def table_label_texts(tables: list[Table]) -> list[str]:
    """Every row label, column header and title of ``tables`` (see :func:`cell_label_texts`)."""
    out: list[str] = []
    for t in tables:
        out.append(f"{t.title_zh} {t.title_en}".strip())
        out += list(t.columns)
        out += [f"{r.label_zh} {r.label_en}".strip() for r in t.rows]
    return out


def answer_share(q: QuestionAnalysis, match: CellMatch) -> str | None:
    """The cell as a share of its table's total, with both figures shown: '桃園機場合計占總計合計的
    80.78%（29,269,645 ÷ 36,231,046），依「…」。'. The whole is the total row of the cell's column, else the
    total column of its row; None when the cell is itself a total, a rate, or the table has no total."""
    t = match.table
    if RATE.search(match.column):
        return None
    col = t.columns.index(match.column) if match.column in t.columns else -1
    row_total = next(
        (
            (row, match.column, row.cells[col])
            for row in t.rows
            if _TOTAL_WORD.match((row.label_en or row.label_zh).strip()) and 0 <= col < len(row.cells)
        ),
        None,
    )
    column_total = next(
        (
            (match.row, column, match.row.cells[c])
            for c, column in enumerate(t.columns)
            if _totals(column, match.column) and c < len(match.row.cells)
        ),
        None,
    )
    if _TOTAL_WORD.match((match.row.label_en or match.row.label_zh).strip()):
        row_total = None
    if _is_total_column(match.column):
        column_total = None
    # The row the question names still holds ("August at Kaohsiung Port, of all places in August");
    # a column named alone is a share of its own total over the rows.
    whole = (column_total or row_total) if match.row_named else (row_total or column_total)
    if whole is None:
        return None
    try:
        part, total = float(match.value.replace(",", "")), float(whole[2].replace(",", ""))
    except ValueError:
        return None
    if total <= 0 or part > total:
        return None
    share = f"{100 * part / total:.2f}%"
    this = _cell_phrase(match.row, match.column, q.lang)
    grand = _TOTAL_WORD.match((whole[0].label_en or whole[0].label_zh).strip()) and _is_total_column(whole[1])
    of = ("總計" if q.lang == "zh" else "the total") if grand else _cell_phrase(whole[0], whole[1], q.lang)
    if q.lang == "zh":
        return f"{this}占{of}的 {share}（{match.value} ÷ {whole[2]}），依「{t.title_zh}」。"
    return f"{share}: {this}, {match.value} of {of} {whole[2]} (“{t.title_en}”)."


def _totals(column: str, of: str) -> bool:
    """Whether ``column`` is the total of ``of`` across the table: the same header, level by level,
    where each level is either the same or a total ("總計 / 通關" totals "高雄機場 / 通關")."""
    mine, theirs = column.split(" / "), of.split(" / ")
    if len(mine) != len(theirs) or column == of:
        return False
    total = [bool(_TOTAL_WORD.match(_split_bilingual(p)[1])) for p in mine]
    return all(t or a == b for t, a, b in zip(total, mine, theirs, strict=True)) and any(
        t and a != b for t, a, b in zip(total, mine, theirs, strict=True)
    )


def _is_total_column(column: str) -> bool:
    return all(_TOTAL_WORD.match(p) for p in _split_bilingual(column)[1].split(" / ") if p)
