"""A figure for an earlier year that the report only gives as a change: "136 萬餘張，較 111 年增加 29 萬餘張"
answers "111 年有多少張" (136萬 − 29萬)."""

from __future__ import annotations

import re
from collections.abc import Callable

from app.answering.arithmetic import scan_figures
from app.answering.multihop_figures import Combined, Figure, Source, compact, same_kind
from app.answering.multihop_parts import FRAME, Terms
from app.answering.question import REPORT_YEAR, ROC_OFFSET, QuestionAnalysis
from app.answering.sentences import split_sentences

_EARLIER_EN = re.compile(
    r"(?P<dir>more|fewer|less|higher|lower|an increase of|a decrease of|up|down)\s+(?:[a-z]+\s+){0,2}?"
    r"(?:than|over|from|compared (?:with|to))?\s*(?:in\s+|that of\s+)?(?P<year>(?:19|20)\d\d)",
    re.I,
)
_EARLIER_ZH = re.compile(r"(?:較|比)\s*(?P<year>\d{2,3})\s*年(?:同期)?\s*(?P<dir>增加|減少|成長|多|少|增|減)")
# "the year before 2023", "112年的前一年": a year named relative to another (or to the report's year).
_YEAR_BEFORE_EN = re.compile(
    r"\b(?:the\s+)?(?:year|one)\s+(?:before|prior to)(?:\s+(?P<year>(?:19|20)\d\d))?"
    r"|\b(?:the\s+)?(?:previous|preceding|prior)\s+year\b",
    re.I,
)
_YEAR_BEFORE_ZH = re.compile(r"(?:(?P<year>\d{2,4})\s*年?\s*的?)?(?:前一年|上一年)")


def asked_year(q: QuestionAnalysis) -> int | None:
    """The one earlier year the question asks about: named ("111年", "2022") or relative ("the year before
    2023", "前一年" of the report's year)."""
    if len(q.other_years) == 1:
        return next(iter(q.other_years))
    if q.other_years:
        return None
    m = (_YEAR_BEFORE_ZH if q.lang == "zh" else _YEAR_BEFORE_EN).search(q.search_text)
    if not m:
        return None
    year = int(m.group("year")) if m.group("year") else REPORT_YEAR
    return (year + ROC_OFFSET if year < 1000 else year) - 1


def _relative_words(q: QuestionAnalysis, terms: Terms) -> set[str]:
    """The words of the relative-year phrase ("year", "before"): they name the year, not the figure."""
    m = (_YEAR_BEFORE_ZH if q.lang == "zh" else _YEAR_BEFORE_EN).search(q.search_text)
    return {t.lower() for t in terms(m.group(0))} if m and not q.other_years else set()


def earlier_year(
    q: QuestionAnalysis,
    text: str,
    lang: str,
    terms: Terms,
    weight: Callable[[str], float] = lambda _: 1.0,
) -> Combined | None:
    """ "136 萬餘張，較 111 年增加 29 萬餘張" answers "111 年有多少張": 136萬 − 29萬, shown as such.

    Only from a sentence that carries most of the question's own words: the change must be the one
    asked about (receipts, not the refunds stated in the next sentence).
    """
    year = asked_year(q)
    if year is None:
        return None
    wanted = {t.lower() for t in terms(q.search_text) if not t.isdigit() and t.lower() not in FRAME}
    wanted -= _relative_words(q, terms)
    total = sum(weight(t) for t in wanted)
    if not total:
        return None
    ranked = []
    for sent in split_sentences(text, lang):
        have = {t.lower() for t in terms(sent)}
        # Chinese words count inside longer ones ("張" in "張數"): the segmenter splits them apart.
        found = [t for t in wanted if t in have or (lang == "zh" and t in sent)]
        ranked.append((sum(weight(t) for t in found) / total, sent))
    for cover, sent in sorted(ranked, reverse=True):
        if cover < 0.4:
            break
        found = _earlier_in(compact(sent, lang), lang, year)
        if found:
            return found
    return None


def _earlier_in(text: str, lang: str, year: int) -> Combined | None:
    source = Source(text, "", lang)
    figs = [Figure.of(f, source) for f in scan_figures(text, lang) if not f.in_parens]
    pattern = _EARLIER_ZH if lang == "zh" else _EARLIER_EN
    for m in pattern.finditer(text):
        y = int(m.group("year"))
        y = y + ROC_OFFSET if y < 1000 else y
        if y != year:
            continue
        up = m.group("dir").lower() in {"more", "higher", "an increase of", "up", "增加", "成長", "多", "增"}
        if lang == "zh":  # "較111年增加 29萬": the change follows the year
            after = [f for f in figs if f.start >= m.end()]
            before = [f for f in figs if f.start < m.start()]
            change = after[0] if after else None
        else:  # "roughly 290,000 more than in 2022": the change precedes the comparison word
            prior = [f for f in figs if f.start < m.start()]
            change = prior[-1] if prior else None
            before = prior[:-1]
        if change is None or not before:
            continue
        base = before[-1]
        if not same_kind(base, change) or base.money != change.money:
            continue
        value = base.value - change.value if up else base.value + change.value
        if value <= 0:
            continue
        return Combined("earlier", value, (base, change), base.approximate or change.approximate, year=y)
    return None
