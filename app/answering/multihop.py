"""Multi-fact answers: one operand per thing the question names, found across the evidence sentences.

"<A>比<B>多出多少錢？" names two things (A and B); the report may state them in two
sections. Each named part gets the figure whose nearby text carries that part's own words
(the words the other parts do not share), its words close to the figure; the figures must count
the same kind of thing. Without an operand for every part there is no computation: a confidently
wrong number is worse than none. The same machinery handles a question that names no parts but
says how many ("the two meetings"), a list the report introduces with "如下：" that the question
totals, a share ("what share ... approved"), and a figure for an earlier year that the report
only gives as a change ("about 290,000 more than in 2022").
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.answering.arithmetic import scan_figures
from app.answering.multihop_parts import (
    EN_EXCLUDE,
    FRAME,
    LIST_INTRO,
    TOTAL_CUE,
    Part,
    Terms,
    expected_count,
    question_parts,
    share_parts,
)
from app.answering.question import ROC_OFFSET, QuestionAnalysis
from app.answering.sentences import split_sentences


@dataclass(frozen=True)
class Source:
    """A sentence that may hold an operand, with its section heading and how much it is preferred."""

    text: str
    heading: str
    lang: str
    weight: float = 1.0
    section_id: str = ""


@dataclass(frozen=True)
class Figure:
    value: float
    text: str
    start: int
    unit: str  # counter (zh) or following word (en); "元"/"NT$" for money
    money: bool
    in_parens: bool
    approximate: bool
    source: Source


@dataclass(frozen=True)
class Combined:
    kind: str  # sum | difference | ratio | earlier
    value: float
    figures: tuple[Figure, ...]
    approximate: bool = False
    year: int | None = None  # for "earlier": the year the derived figure belongs to


# -- figures in the evidence ------------------------------------------------------------------------
_COMPACT = re.compile(r"(?<=[\u3400-\u9fff\d,（(])\s+(?=[\u3400-\u9fff\d（(])|(?<=[\d])\s+(?=[萬億])")
_PERSON_UNITS = "人名位員口"
_UNIT_GROUPS = [_PERSON_UNITS, "件案起", "次通趟", "艘", "座台臺", "場", "班", "張", "家所", "國"]


def compact(text: str, lang: str) -> str:
    """Chinese text without the PDF's spaces around numbers ("12 億 9,820 萬" -> "12億9,820萬")."""
    return _COMPACT.sub("", text) if lang == "zh" else re.sub(r"\s+", " ", text)


def figures_in(q: QuestionAnalysis, source: Source) -> list[Figure]:
    out = []
    for f in scan_figures(source.text, source.lang):
        if q.answer_type == "amount" and not f.money:
            continue
        out.append(Figure(f.value, f.text, f.start, f.unit, f.money, f.in_parens, f.approximate, source))
    return out


def _same_kind(a: Figure, b: Figure) -> bool:
    if a.money or b.money:
        return a.money and b.money
    if not a.unit or not b.unit:
        return True
    if a.source.lang == "zh":
        ka = {i for i, g in enumerate(_UNIT_GROUPS) if a.unit[:1] in g}
        kb = {i for i, g in enumerate(_UNIT_GROUPS) if b.unit[:1] in g}
        return a.unit[:1] == b.unit[:1] or bool(ka & kb)
    # An English figure's next word is often a verb ("84 docked", "15,777 were"): only a period or
    # a count of countries against a count of something else marks a different kind.
    ua, ub = a.unit.rstrip("s"), b.unit.rstrip("s")
    if ua in _EN_MEASURES or ub in _EN_MEASURES:
        return ua == ub
    return True


_EN_MEASURES = frozenset(
    "day week month year hour minute second time countrie country percent episode session".split()
)


def _occurrences(key: str, text: str, lang: str) -> list[tuple[int, int]]:
    if lang == "zh":
        pattern = re.escape(key).replace("年", r"\s*年")
    else:
        pattern = r"(?<![a-z0-9])" + re.escape(key.lower())
    return [(m.start(), m.end()) for m in re.finditer(pattern, text.lower() if lang == "en" else text)]


_IS_YEAR = re.compile(r"\d{2,3}年|(?:19|20)\d\d")


def _clause(fig: Figure) -> tuple[int, int]:
    text = fig.source.text
    stops = "；;。" if fig.source.lang == "zh" else ";"
    lo = max((text.rfind(s, 0, fig.start) for s in stops), default=-1) + 1
    his = [i for i in (text.find(s, fig.start) for s in stops) if i >= 0]
    return lo, min(his) if his else len(text)


def _closeness(
    keys: Sequence[str], fig: Figure, weight: Callable[[str], float], any_key: bool = False
) -> float:
    """Weighted share of ``keys`` found near the figure (before it in Chinese; on either side in English)."""
    if not keys:
        return 0.0
    lang = fig.source.lang
    lo, hi = _clause(fig)
    clause = fig.source.text[lo:hi]
    at = fig.start - lo
    scale = 8.0 if lang == "zh" else 25.0
    heading = fig.source.heading.lower() if lang == "en" else fig.source.heading
    total = got = 0.0
    top = max((weight(k) for k in keys), default=1.0)
    for key in keys:
        w = top if _IS_YEAR.fullmatch(key) else weight(key)  # "112年" / "113年" decide which figure
        total += w
        best = 0.0
        for s, e in _occurrences(key, clause, lang):
            if e <= at:
                best = max(best, 1.0 / (1.0 + (at - e) / scale))
            elif lang == "en" and s >= at:
                best = max(best, 0.8 / (1.0 + (s - at - len(fig.text)) / scale))
        if best == 0.0 and _occurrences(key, heading, lang):
            best = 0.6  # the heading names it: "(2) 擴展學生線上申辦系統" ... "已受理 30 萬件"
        if any_key and best > 0:
            return best
        got += w * best
    if any_key:
        return 0.0
    return got / total if total else 0.0


def _label_share(keys: Sequence[str], fig: Figure, weight: Callable[[str], float]) -> float:
    """Weighted share of ``keys`` in the Chinese label right before the figure ("不予通過 131 件")."""
    if not keys:
        return 0.0
    before = fig.source.text[: fig.start]
    cut = max(before.rfind(ch) for ch in "，,、；;。：:（(")
    label = before[cut + 1 :]
    label = re.split(r"\d[\d,.]*[萬億]?\d*[\u3400-\u9fff]?", label)[-1]  # after the previous figure
    total = sum(weight(k) for k in keys)
    return sum(weight(k) for k in keys if k in label) / total if total else 0.0


def _inside_parens(part: Part, fig: Figure) -> bool:
    """Whether the part is named inside the same parentheses as the figure ("(12,478 self-reported ...")."""
    text = fig.source.text
    lo = max(text.rfind("(", 0, fig.start), text.rfind("（", 0, fig.start))
    ends = [i for i in (text.find(")", fig.start), text.find("）", fig.start)) if i >= 0]
    span = text[lo : min(ends) if ends else len(text)]
    span = span.lower() if fig.source.lang == "en" else span
    return any(_occurrences(k, span, fig.source.lang) for k in part.keys)


def _score(fig: Figure, part: Part | None, shared: list[str], q: QuestionAnalysis, weight) -> float:
    if part is None:
        own = 1.0
    else:
        own = _closeness(sorted(part.keys), fig, weight, part.any_key)
        if own < 0.12:
            return 0.0
        # Present in the figure's clause is what counts; nearness breaks ties (in Chinese the label
        # right before the figure decides, below; English lists "63 cases of labor exploitation, 80 ...").
        own = 0.5 + (0.15 if fig.source.lang == "zh" else 0.5) * own
    if fig.source.lang == "zh":  # what the figure itself is: "決算數 49 億…" rather than "預算數 50 億…"
        near = _label_share(shared, fig, weight)
    else:
        near = 0.5 * _closeness(shared, fig, weight)
    score = own + near
    if fig.in_parens and not (part and _inside_parens(part, fig)):
        score *= 0.3  # "21,932 (12,478 self-reported ...)": a breakdown of the figure before it
    if q.lang == "zh" and q.unit and q.answer_type != "amount":
        kinds = {i for i, g in enumerate(_UNIT_GROUPS) if q.unit[:1] in g}
        fits = fig.unit[:1] == q.unit[:1] or any(fig.unit[:1] in _UNIT_GROUPS[i] for i in kinds)
        score *= 1.0 if fits else 0.4
    return score * fig.source.weight


def _assign(
    parts: list[Part], figures: list[Figure], shared: list[str], q: QuestionAnalysis, weight
) -> list[Figure] | None:
    """One figure per part, the assignment with the best total score, all counting the same kind of thing."""
    if all(p is not None for p in parts) and len(parts) <= 4:
        return _best_assignment(parts, figures, shared, q, weight)
    pairs = sorted(
        ((_score(f, p, shared, q, weight), i, j) for i, p in enumerate(parts) for j, f in enumerate(figures)),
        reverse=True,
    )
    chosen: dict[int, Figure] = {}
    used: set[int] = set()
    for s, i, j in pairs:
        if s <= 0 or i in chosen or j in used:
            continue
        if any(not _same_kind(figures[j], c) for c in chosen.values()):
            continue
        if any(
            c.value == figures[j].value and c.source.text == figures[j].source.text for c in chosen.values()
        ):
            continue
        chosen[i] = figures[j]
        used.add(j)
    if len(chosen) < len(parts):
        return None
    return [chosen[i] for i in range(len(parts))]


def _best_assignment(
    parts: list[Part],
    figures: list[Figure],
    shared: list[str],
    q: QuestionAnalysis,
    weight,
    valid: Callable[[list[Figure]], bool] = lambda _: True,
) -> list[Figure] | None:
    options = []
    for p in parts:
        scored = sorted(((_score(f, p, shared, q, weight), j) for j, f in enumerate(figures)), reverse=True)
        options.append([(s, j) for s, j in scored[:6] if s > 0])
        if not options[-1]:
            return None
    scored: list[tuple[float, tuple[float, ...], tuple[int, ...]]] = []
    for combo in itertools.product(*options):
        idx = tuple(j for _, j in combo)
        if len(set(idx)) < len(idx):
            continue
        picked = [figures[j] for j in idx]
        if any(not _same_kind(a, b) for a, b in itertools.combinations(picked, 2)) or not valid(picked):
            continue
        total = sum(s for s, _ in combo)
        values = tuple(figures[j].value for j in idx)
        scored.append((total, values, idx))
    if not scored:
        return None
    scored.sort(key=lambda t: -t[0])
    total, values, idx = scored[0]
    # Two readings nearly as good that give different numbers: too unsure to compute.
    if any(total - t < _MARGIN and v != values for t, v, _ in scored[1:]):
        return None
    return [figures[j] for j in idx]


_MARGIN = 0.03


def _shared_terms(q: QuestionAnalysis, terms: Terms, parts: list[Part]) -> list[str]:
    own = set().union(*(p.keys for p in parts)) if parts else set()
    out = []
    for t in terms(q.search_text):
        t = t.lower() if q.lang == "en" else t
        if t in own or t in FRAME or t.isdigit() or (q.lang == "zh" and len(t) < 2):
            continue
        if q.lang == "zh" and any(k in t for k in own if len(k) == 2):
            continue
        out.append(t)
    return sorted(set(out))


def combine(
    q: QuestionAnalysis,
    kind: str,
    sources: list[Source],
    terms: Terms,
    weight: Callable[[str], float] = lambda _: 1.0,
) -> Combined | None:
    """Operands for a sum, difference or share across ``sources`` (best first), or None when unsure."""
    figures = [f for s in sources for f in figures_in(q, s)]
    if kind == "ratio":
        found = share_parts(q, terms)
        if not found:
            return None
        parts = list(found)
        picked = _assign_any_unit(parts, figures, q, weight)
        if not picked or picked[0].value > picked[1].value or picked[1].value == 0:
            return None
        if picked[0].source.section_id != picked[1].source.section_id:
            return None
        return Combined("ratio", 100.0 * picked[0].value / picked[1].value, tuple(picked))
    parts = question_parts(q, terms)
    if parts:
        if kind == "difference" and len(parts) != 2:
            return None
        if q.lang == "en" and EN_EXCLUDE.search(q.search_text):
            # "Apart from X, how many other Y": Y's total includes X, so one passage states both.
            figures = [f for f in figures if f.source.section_id == sources[0].section_id]
        picked = _assign(parts, figures, _shared_terms(q, terms, parts), q, weight)
    else:
        n = expected_count(q)
        if n < 2:
            return None
        # No part names its own figure: the question's count says how many figures of one kind.
        same_section = [f for f in figures if f.source.section_id == sources[0].section_id]
        picked = _assign([None] * n, same_section, _shared_terms(q, terms, []), q, weight)  # type: ignore[list-item]
    if not picked:
        return None
    approx = any(f.approximate for f in picked)
    if kind == "difference":
        if len(picked) != 2:
            return None  # a difference of a counted number of figures is not one subtraction
        a, b = sorted(picked, key=lambda f: -f.value)
        return Combined("difference", a.value - b.value, (a, b), approx)
    return Combined("sum", sum(f.value for f in picked), tuple(picked), approx)


def _assign_any_unit(
    parts: list[Part], figures: list[Figure], q: QuestionAnalysis, weight
) -> list[Figure] | None:
    """Like _assign, but a share may divide cards by applications (張 by 件)."""
    free = [
        Figure(f.value, f.text, f.start, "", f.money, f.in_parens, f.approximate, f.source) for f in figures
    ]
    picked = _best_assignment(parts, free, [], q, weight, valid=lambda p: 0 < p[0].value <= p[1].value)
    if not picked:
        return None
    return [next(f for f in figures if f.start == p.start and f.source is p.source) for p in picked]


def list_total(
    q: QuestionAnalysis, sentences: list[str], lang: str, heading: str, section_id: str = ""
) -> Combined | None:
    """The total of a list the report introduces with "如下：" and never totals itself.

    Each item contributes its first figure counting what the question counts ("1 名", "12 名 (印尼籍
    7 名…)": the parenthesised breakdown is not added again).
    """
    if not TOTAL_CUE.search(q.search_text) or q.answer_type not in {"count", "amount"} or not q.unit:
        return None
    for i, intro in enumerate(sentences):
        if not LIST_INTRO.search(intro):
            continue
        if any(_fits_unit(q, f) for f in scan_figures(intro, lang)):
            return None  # the report states the total itself
        picked: list[Figure] = []
        for item in sentences[i + 1 :]:
            figs = [f for f in scan_figures(item, lang) if _fits_unit(q, f) and not f.in_parens]
            if not figs:
                break
            f = figs[0]
            picked.append(
                Figure(
                    f.value,
                    f.text,
                    f.start,
                    f.unit,
                    f.money,
                    False,
                    f.approximate,
                    Source(item, heading, lang, 1.0, section_id),
                )
            )
        if len(picked) >= 2:
            return Combined("sum", sum(f.value for f in picked), tuple(picked))
    return None


def _fits_unit(q: QuestionAnalysis, f) -> bool:
    if q.answer_type == "amount":
        return f.money
    kinds = {i for i, g in enumerate(_UNIT_GROUPS) if q.unit[:1] in g}
    return bool(f.unit) and (f.unit[:1] == q.unit[:1] or any(f.unit[:1] in _UNIT_GROUPS[i] for i in kinds))


# -- a figure for an earlier year, from "X, about Y more than in 2022" ---------------------------------
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
    figs = [
        Figure(f.value, f.text, f.start, f.unit, f.money, f.in_parens, f.approximate, source)
        for f in scan_figures(text, lang)
        if not f.in_parens
    ]
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
        if not _same_kind(base, change) or base.money != change.money:
            continue
        value = base.value - change.value if up else base.value + change.value
        if value <= 0:
            continue
        return Combined("earlier", value, (base, change), base.approximate or change.approximate, year=y)
    return None
