"""Table-cell resolver: answer statistics questions from the structured appendix tables.

A cell is chosen by row label (a month, city, ... named in the question; the
total row otherwise) and column header (the header parts the question names;
total columns when it names none or asks for a total). Split tables arrive
re-joined, so cells from the unlabeled second half carry their row label.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

from app.answering.matching import fold
from app.answering.question import QuestionAnalysis
from ingest.records import Table, TableRow

_TOTAL = re.compile(r"總計|合計|^計$|total|sub-total", re.I)
_TOTAL_CUE = re.compile(
    r"總|合計|共|全國|全年|整年|total|overall|altogether|in all|all\b|whole year|entire", re.I
)
RATE = re.compile(r"比率|rate|%", re.I)
_MONTH_LABEL = re.compile(r"^\s*(1[0-2]|[1-9])\s*月")
_EN_STOP = frozenset(
    "the a an of in on at for to and or by with from is are was were what which who how many much does do did "
    "there their its it this that 2023 year number total people persons taiwan nia's nia".split()
)
# Report vocabulary a question may phrase differently (general, not per question).
_EN_SYNONYMS = {
    "registered": "applicants",
    "register": "applicants",
    "registrations": "applicants",
    "registration": "applicants",
    "applications": "applicants",
    "application": "applicants",
    "applied": "applicants",
    "used": "users",
    "use": "users",
    "approved": "approval",
    "approvals": "approval",
    "entered": "entries",
    "entry": "entries",
    "arrivals": "entries",
    "exit": "exits",
    "left": "exits",
    "departures": "exits",
    "men": "male",
    "males": "male",
    "women": "female",
    "females": "female",
    "refused": "refused",
    "rejected": "refused",
    "engineers": "engineer",
    "teachers": "teacher",
    "traders": "trader",
    "missionaries": "missionary",
    "technicians": "technician",
    "vietnamese": "vietnam",
    "chinese": "china",
    "indonesian": "indonesia",
    "thai": "thailand",
    "filipino": "philippines",
    "filipinos": "philippines",
    "philippine": "philippines",
    "cambodian": "cambodia",
    "japanese": "japan",
    "korean": "korea",
    "airports": "airport",
    "ports": "port",
    "seaport": "port",
    "harbour": "harbor",
}
# Expansions applied to the question before matching headers.
_EN_PHRASES = [
    (re.compile(r"\bterminals\s*(\d)\s*(?:and|&)\s*(\d)\b", re.I), r"t\1 t\2"),
    (re.compile(r"\bterminal\s*(\d)\b", re.I), r"t\1"),
    (re.compile(r"\bnia\b", re.I), "national immigration agency"),
    (re.compile(r"\bsea\s*port\b", re.I), "port"),
]
_ZH_PHRASES = [(re.compile("第一航廈"), "T1"), (re.compile("第二航廈"), "T2")]


def label_synonym(word: str) -> str:
    """A lower-case English word as the tables' labels say it ("women" -> "female", "vietnamese" -> "vietnam")."""
    return _EN_SYNONYMS.get(word, word)


def label_shorthand(text: str) -> str:
    """``text`` with the words the tables' labels abbreviate written as the labels print them
    ("第一航廈" -> "T1", "terminal 2" -> "t2", "sea port" -> "port"): for matching text against labels."""
    for pattern, repl in (*_ZH_PHRASES, *_EN_PHRASES):
        text = pattern.sub(repl, text)
    return text


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
_CAPITALISED = re.compile(r"(?<!^)(?<![.?!]\s)\b([A-Z][a-z]{2,})\b")
_GENERIC_CAPS = frozenset(
    "NIA Taiwan Taiwanese China Chinese Mainland Hong Kong Macao Macau Ministry Interior Agency Immigration "
    "National Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec January February March April June July August "
    "September October November December Total How What Which Who When Where".split()
)


# Units that count the same kind of thing ("多少名"失聯移工 is answered in 人).
_UNIT_GROUPS = ["人名位員口", "件案起", "次通趟", "艘", "座台臺", "元萬億", "場", "班", "張", "家所"]


def _unit_kinds(unit: str) -> set[int]:
    return {i for i, group in enumerate(_UNIT_GROUPS) for ch in unit if ch in group}


_CUMULATIVE = re.compile(
    r"截至|累計|迄今|至今|as of|by the end of|cumulative|so far|to date|in total since", re.I
)


_COUNTED_NOUN = re.compile(r"\b(?:how many|number of)\s+([a-z][a-z-]+)", re.I)
_GENERIC_COUNTED = frozenset(
    "people persons person individuals times more fewer other additional new in the a of total".split()
)


def compatible(q: QuestionAnalysis, match: CellMatch) -> bool:
    """Whether the cell can answer the question at all: the asked unit and kind fit the table,
    and every proper name in the question appears somewhere in the table."""
    if q.answer_type in {"date", "duration"}:
        return False  # cells hold counts and amounts: "in which year did ... begin" is never a cell
    t = match.table
    unit = f"{t.unit_zh} {t.unit_en}"
    monthly = any(_MONTH_LABEL.match(r.label_zh) for r in t.rows)
    if monthly and _CUMULATIVE.search(q.search_text) and not q.months:
        return False  # "截至112年底累計..." asks for a running total, not one year's monthly flow
    if q.answer_type == "amount" and not _MONEY_UNIT.search(unit):
        return False
    if q.answer_type == "percent" and not RATE.search(match.column):
        return False
    if q.lang == "zh" and q.unit and not (_unit_kinds(q.unit) & _unit_kinds(t.unit_zh)):
        return False  # "幾艘郵輪" cannot be answered in 人次
    if q.lang == "en":
        table_text = " ".join([t.title_en, *t.columns, *(r.label_en for r in t.rows)])
        table_words = _words(table_text) | set(re.findall(r"[a-z]+", table_text.lower()))
        asked = _words(q.search_text)  # after phrase rewriting ("Terminal 1" -> "t1")
        counted = _COUNTED_NOUN.search(q.search_text)
        noun = counted.group(1).lower() if counted else ""
        if noun and noun not in _GENERIC_COUNTED and not (_words(noun) <= table_words):
            return False  # "number of victims" is not answered by a table of cases
        for name in _CAPITALISED.findall(q.search_text):
            if name.lower() not in asked:
                continue
            if name not in _GENERIC_CAPS and not (_words(name) <= table_words or name.lower() in table_words):
                return False  # "Myanmar" spouses: the table has no such column
    return True


def _words(text: str) -> set[str]:
    text = unicodedata.normalize("NFKC", text).lower()
    for pattern, repl in _EN_PHRASES:
        text = pattern.sub(repl, text)
    words = re.findall(r"[a-z0-9]+", text.replace("-", " "))
    out = set()
    for w in words:
        if w in _EN_STOP:
            continue
        w = _EN_SYNONYMS.get(w, w)
        out.add(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w)
    return out


def _zh_part(part: str) -> str:
    """Chinese characters of a header part, without notes in parentheses ("高雄港 (自112.9.1起)" -> "高雄港")."""
    part = re.sub(r"[(（][^)）]*[)）]", "", part)
    return "".join(re.findall(r"[\u3400-\u9fff]", part))


def _part_score(part: str, q_fold: str, q_words: set[str], glossary: dict[str, set[str]]) -> float:
    """How strongly the question names one header part such as '桃園機場 Taoyuan Airport'.

    Whole Chinese terms (or their last >= 3 characters: "移民署" names "內政部移民署") count
    fully; English parts count when at least half their words are in the question. A
    Chinese-only part borrows English words from the report's own bilingual labels.
    """
    zh = fold(_zh_part(part))
    en = _words(re.sub(r"[\u3400-\u9fff]", " ", part))
    if zh and not en:
        en = glossary.get(zh, set())
    best = 0.0
    if zh and zh in q_fold:
        best = 1.0 + min(len(zh), 8) / 20
    elif len(zh) >= 4:
        for k in range(len(zh) - 1, 2, -1):
            if zh[-k:] in q_fold:
                best = 0.6 + 0.4 * k / len(zh)
                break
        grams = {zh[i : i + 2] for i in range(len(zh) - 1)}
        share = len([g for g in grams if g in q_fold]) / len(grams)
        if share >= 0.6:
            best = max(best, 0.8 * share)
    if en:
        hit = len(en & q_words) / len(en)
        if hit >= 0.5:
            best = max(best, hit * (1.0 + min(len(en), 4) / 20))
    return best


def _column_score(
    column: str, q_fold: str, q_words: set[str], glossary: dict[str, set[str]], wants_total: bool
) -> tuple[float, bool]:
    score = 0.0
    named = False
    parts = column.split(" / ")
    for part in parts:
        if _TOTAL.search(part):
            # A plain total column ("合計 Total") is what "how many in all" asks for.
            score += (0.6 if len(parts) == 1 else 0.4) if wants_total else 0.1
            continue
        s = _part_score(part, q_fold, q_words, glossary)
        named |= s >= 0.5
        # A header part the question does not name ("註冊" when it asks about all traffic) makes
        # the column less likely than one without such a qualifier.
        score += s if s > 0 else -0.3
    return score, named


def _title_echo(column: str, title_zh: str, q_fold: str) -> float:
    """A header part the question names only because the table's title has it ("來臺申請" in a question
    about the 申請案件統計表) says less than one the title lacks ("核准"): when the question names
    both kinds, the title's counts half."""
    parts = [fold(_zh_part(p)) for p in column.split(" / ") if not _TOTAL.search(p)]
    title = fold(title_zh)
    echoed = [p for p in parts if p and p in q_fold and p in title]
    return 0.5 * len(echoed)


def _named_parts(column: str, q_fold: str, q_words: set[str], glossary: dict[str, set[str]]) -> set[str]:
    return {
        p
        for p in column.split(" / ")
        if not _TOTAL.search(p) and _part_score(p, q_fold, q_words, glossary) >= 0.5
    }


def _row_score(q: QuestionAnalysis, row: TableRow, q_fold: str, q_words: set[str]) -> float:
    m = _MONTH_LABEL.match(row.label_zh)
    if m:
        if not q.months:
            return 0.0
        return 2.0 if int(m.group(1)) in q.months else -1.0
    best = 0.0
    zh = fold(row.label_zh)
    if zh and zh in q_fold:
        best = 1.0 + len(zh) / 100
    en = _words(row.label_en)
    if en:
        # As for column headers (_part_score): half the label's words named counts, in proportion
        # ("Kaohsiung" names "Kaohsiung City"); the whole label counts fully.
        hit = len(en & q_words) / len(en)
        if hit >= 0.5:
            best = max(best, hit * (1.0 + len(en) / 100))
    return best


def build_glossary(tables: list[Table]) -> dict[str, set[str]]:
    """Chinese label -> English words, from every bilingual header part and row label in the tables."""
    glossary: dict[str, set[str]] = {}
    for t in tables:
        parts = [p for c in t.columns for p in c.split(" / ")] + [
            f"{r.label_zh} {r.label_en}" for r in t.rows
        ]
        for part in parts:
            zh = fold(_zh_part(part))
            en = _words(re.sub(r"[\u3400-\u9fff]", " ", part))
            if zh and en:
                glossary.setdefault(zh, set()).update(en)
    return glossary


def _title_score(title: str, q_words: set[str], q_fold: str, lang: str) -> float:
    """Share of the title's distinctive units the question mentions, or of the question's words in the title."""
    if lang == "zh":
        zh = fold(_zh_part(title))
        grams = {zh[i : i + 2] for i in range(len(zh) - 1)}
        return len([g for g in grams if g in q_fold]) / max(len(grams), 1) * 1.5
    words = _words(title)
    if not words or not q_words:
        return 0.0
    shared = len(words & q_words)
    return max(shared / len(words), shared / len(q_words))


_ZH_QUESTION_CHARS = re.compile(r"[多少幾是的有了嗎呢何哪什麼請問共計總年月比]|全國")


def table_relevance(table: Table, q_fold: str, q_words: set[str], lang: str) -> float:
    """Share of the question's content (zh bigrams / en words) found in the table's title, headers and labels."""
    text = " ".join([table.title_zh, table.title_en, table.unit_zh, table.unit_en, *table.columns])
    text += " " + " ".join(f"{r.label_zh} {r.label_en}" for r in table.rows)
    if lang == "zh":
        han = "".join(re.findall(r"[\u3400-\u9fff]", _ZH_QUESTION_CHARS.sub(" ", q_fold)))
        grams = {han[i : i + 2] for i in range(len(han) - 1)}
        folded = fold(text)
        return len([g for g in grams if g in folded]) / max(len(grams), 1)
    words = q_words - {"dec", "december", "jan", "january"}
    table_words = _words(text)
    return len(words & table_words) / max(len(words), 1)


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
    text = q.search_text
    for pattern, repl in _ZH_PHRASES:
        text = pattern.sub(repl, text)
    q_fold = fold(text)
    q_words = _words(text)
    glossary = glossary or {}
    wants_total = bool(_TOTAL_CUE.search(text))
    found: list[CellMatch] = []
    for table in tables:
        title = table.title_zh if q.lang == "zh" else table.title_en
        title_score = _title_score(title, q_words, q_fold, q.lang)
        prior = table_prior.get(table.table_id, 0.0)
        if prior == 0.0 and title_score < 0.3:
            continue
        scored_rows = [(r, _row_score(q, r, q_fold, q_words)) for r in table.rows]
        named_rows = [(r, s) for r, s in scored_rows if s > 0]
        if named_rows:
            row, row_score = max(named_rows, key=lambda rs: rs[1])
            other_rows = sorted(named_rows, key=lambda rs: -rs[1])[1:alternatives]
        else:
            other_rows = []
            totals = [r for r in table.rows if _TOTAL.search(f"{r.label_zh} {r.label_en}")]
            if not totals:
                continue
            row, row_score = totals[-1], 0.0
        cols = []
        for i, column in enumerate(table.columns):
            if i >= len(row.cells) or not re.search(r"\d", row.cells[i]):
                continue
            s, named = _column_score(column, q_fold, q_words, glossary, wants_total)
            s -= _title_echo(column, table.title_zh, q_fold)
            if q.answer_type == "percent":
                s += 0.5 if RATE.search(column) else -0.3
            cols.append((s, -i, i, column, named))
        if not cols:
            continue
        ranked_cols = sorted(cols, reverse=True)
        col_score, _, i, column, col_named = ranked_cols[0]
        second: tuple[TableRow, str, str] | None = None
        ranked_rows = sorted(named_rows, key=lambda rs: rs[1], reverse=True)
        named_cols = sorted((c for c in cols if c[4] and c[2] != i), reverse=True)
        if len(ranked_rows) >= 2 and ranked_rows[1][1] >= 1.0 and i < len(ranked_rows[1][0].cells):
            other = ranked_rows[1][0]
            second = (other, column, other.cells[i])
        else:
            # Another column that names something else ("警政署" besides "移民署"), not a sibling
            # of the same group ("越南 / 男" besides "越南 / 計") that adds no named part.
            # Among those, the column that differs from the first only in the named part ("T1 / Users"
            # besides "T2 / Users", not "T1 / Applicants").
            first_named = _named_parts(column, q_fold, q_words, glossary)
            first_parts = set(column.split(" / "))
            others = [
                (len(set(other_column.split(" / ")) & first_parts), k, j, other_column)
                for k, (_, _, j, other_column, _) in enumerate(named_cols)
                if _named_parts(other_column, q_fold, q_words, glossary) - first_named
            ]
            if others:
                _, _, j, other_column = max(others, key=lambda o: (o[0], -o[1]))
                second = (row, other_column, row.cells[j])
        # A month row only counts when the table is about the question at all.
        row_weight = 0.5 if title_score + prior >= 0.5 else 0.1
        relevance = table_relevance(table, q_fold, q_words, q.lang)
        score = title_score + 0.5 * prior + row_weight * row_score + col_score + relevance
        found.append(
            CellMatch(
                table,
                row,
                column,
                row.cells[i],
                score,
                # "合計幾件" names the total row as surely as "11月" names a month row.
                row_score > 0 or (wants_total and bool(_TOTAL.search(f"{row.label_zh} {row.label_en}"))),
                col_named,
                title_score,
                relevance,
                second,
            )
        )
        base = found[-1]
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
        for other_row, r_score in other_rows:
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
    return sorted(found, key=lambda m: -m.score)
