"""A figure for an earlier year that the report only gives as a change: "136 萬餘張，較 111 年增加 29 萬餘張"
answers "111 年有多少張" (136萬 − 29萬)."""

from __future__ import annotations

import re
from collections.abc import Callable

from app.answering.arithmetic import scan_figures
from app.answering.multihop_figures import Combined, Figure, Source, compact, same_kind
from app.answering.multihop_parts import FRAME, Terms
from app.answering.question import ROC_OFFSET, QuestionAnalysis
from app.answering.sentences import split_sentences

_EARLIER_EN = re.compile(
    r"(?P<dir>more|fewer|less|higher|lower|an increase of|a decrease of|up|down)\s+(?:[a-z]+\s+){0,2}?"
    r"(?:than|over|from|compared (?:with|to))?\s*(?:in\s+|that of\s+)?(?P<year>(?:19|20)\d\d)",
    re.I,
)
_EARLIER_ZH = re.compile(r"(?:較|比)\s*(?P<year>\d{2,3})\s*年(?:同期)?\s*(?P<dir>增加|減少|成長|多|少|增|減)")


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
    asked = q.other_years
    if len(asked) != 1:
        return None
    (year,) = asked
    wanted = {t.lower() for t in terms(q.search_text) if not t.isdigit() and t.lower() not in FRAME}
    total = sum(weight(t) for t in wanted)
    if not total:
        return None
    ranked = []
    for sent in split_sentences(text, lang):
        have = {t.lower() for t in terms(sent)}
        ranked.append((sum(weight(t) for t in wanted if t in have) / total, sent))
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
