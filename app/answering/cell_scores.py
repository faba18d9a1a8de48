"""How strongly a question names a table's header parts, columns, rows and title (the scores
:func:`app.answering.tables.find_cells` adds up)."""

from __future__ import annotations

import re

from app.answering.cell_words import MONTH_LABEL, TOTAL_LABEL, content_words, month_word, zh_part
from app.answering.matching import fold
from app.answering.question import QuestionAnalysis
from ingest.records import Table, TableRow


def score_part(part: str, q_fold: str, q_words: set[str], glossary: dict[str, set[str]]) -> float:
    """How strongly the question names one header part such as '桃園機場 Taoyuan Airport'.

    Whole Chinese terms (or their last >= 3 characters: "移民署" names "內政部移民署") count
    fully; English parts count when at least half their words are in the question. A
    Chinese-only part borrows English words from the report's own bilingual labels.
    """
    zh = fold(zh_part(part))
    en = content_words(re.sub(r"[\u3400-\u9fff]", " ", part))
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


def score_column(
    column: str, q_fold: str, q_words: set[str], glossary: dict[str, set[str]], wants_total: bool
) -> tuple[float, bool]:
    score = 0.0
    named = False
    parts = column.split(" / ")
    for part in parts:
        if TOTAL_LABEL.search(part):
            # A plain total column ("合計 Total") is what "how many in all" asks for.
            score += (0.6 if len(parts) == 1 else 0.4) if wants_total else 0.1
            continue
        s = score_part(part, q_fold, q_words, glossary)
        named |= s >= 0.5
        # A header part the question does not name ("註冊" when it asks about all traffic) makes
        # the column less likely than one without such a qualifier.
        score += s if s > 0 else -0.3
    return score, named


def title_echo(column: str, title_zh: str, q_fold: str) -> float:
    """A header part the question names only because the table's title has it ("來臺申請" in a question
    about the 申請案件統計表) says less than one the title lacks ("核准"): when the question names
    both kinds, the title's counts half."""
    parts = [fold(zh_part(p)) for p in column.split(" / ") if not TOTAL_LABEL.search(p)]
    title = fold(title_zh)
    echoed = [p for p in parts if p and p in q_fold and p in title]
    return 0.5 * len(echoed)


def named_parts(column: str, q_fold: str, q_words: set[str], glossary: dict[str, set[str]]) -> set[str]:
    return {
        p
        for p in column.split(" / ")
        if not TOTAL_LABEL.search(p) and score_part(p, q_fold, q_words, glossary) >= 0.5
    }


def score_row(q: QuestionAnalysis, row: TableRow, q_fold: str, q_words: set[str]) -> float:
    m = MONTH_LABEL.match(row.label_zh)
    if m:
        if not q.months:
            return 0.0
        return 2.0 if int(m.group(1)) in q.months else -1.0
    best = 0.0
    zh = fold(row.label_zh)
    if zh and zh in q_fold:
        best = 1.0 + len(zh) / 100
    en = content_words(row.label_en)
    if en:
        # As for column headers (score_part): half the label's words named counts, in proportion
        # ("Kaohsiung" names "Kaohsiung City"); the whole label counts fully.
        hit = len(en & q_words) / len(en)
        if hit >= 0.5:
            best = max(best, hit * (1.0 + len(en) / 100))
    return best


def score_title(title: str, q_words: set[str], q_fold: str, lang: str) -> float:
    """Share of the title's distinctive units the question mentions, or of the question's words in the title."""
    if lang == "zh":
        zh = fold(zh_part(title))
        grams = {zh[i : i + 2] for i in range(len(zh) - 1)}
        return len([g for g in grams if g in q_fold]) / max(len(grams), 1) * 1.5
    words = content_words(title)
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
    words = q_words - {month_word("jan"), month_word("dec")}  # a title's date range
    table_words = content_words(text)
    return len(words & table_words) / max(len(words), 1)
