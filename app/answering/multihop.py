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
from collections.abc import Callable
from dataclasses import replace

from app.answering.arithmetic import scan_figures
from app.answering.multihop_figures import Combined, Figure, Source, figures_in, same_kind, same_unit_kind
from app.answering.multihop_operands import operand_score, part_coverage
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
from app.answering.question import QuestionAnalysis


def _assign(
    parts: list[Part], figures: list[Figure], shared: list[str], q: QuestionAnalysis, weight
) -> list[Figure] | None:
    """One figure per part, the assignment with the best total score, all counting the same kind of thing."""
    if all(p is not None for p in parts) and len(parts) <= 4:
        return _best_assignment(parts, figures, shared, q, weight)
    pairs = sorted(
        (
            (operand_score(f, p, shared, q, weight), i, j)
            for i, p in enumerate(parts)
            for j, f in enumerate(figures)
        ),
        reverse=True,
    )
    chosen: dict[int, Figure] = {}
    used: set[int] = set()
    for s, i, j in pairs:
        if s <= 0 or i in chosen or j in used:
            continue
        if any(not same_kind(figures[j], c) for c in chosen.values()):
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
        scored = sorted(
            ((operand_score(f, p, shared, q, weight), j) for j, f in enumerate(figures)), reverse=True
        )
        options.append([(s, j) for s, j in scored[:6] if s > 0])
        if not options[-1]:
            return None
    scored: list[tuple[float, tuple[float, ...], tuple[int, ...]]] = []
    for combo in itertools.product(*options):
        idx = tuple(j for _, j in combo)
        if len(set(idx)) < len(idx):
            continue
        picked = [figures[j] for j in idx]
        if any(not same_kind(a, b) for a, b in itertools.combinations(picked, 2)) or not valid(picked):
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
_FOUND = 0.5


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
        shared = _shared_terms(q, terms, parts)
        picked = _assign(parts, figures, shared, q, weight)
        if not picked and kind == "difference":
            picked = _paired(parts, figures, shared, q, weight)
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


def _paired(
    parts: list[Part], figures: list[Figure], shared: list[str], q: QuestionAnalysis, weight
) -> list[Figure] | None:
    """The two figures of one sentence, when one part names one of them and the other part's words are
    nowhere near a figure: "526,477 documents were received and 98,363 documents were issued" answers
    "received than sent out" (the report says "issued"). Only a sentence with exactly two figures of the
    same kind pairs them; anything less clear is no computation."""
    scores = [[operand_score(f, p, shared, q, weight) for f in figures] for p in parts]
    # A part "found" has more than half its own words in some figure's clause; a stray word ("out" of
    # "Out of the 37 teams") finds nothing.
    found = [
        i
        for i, p in enumerate(parts)
        if any(
            s > 0 and part_coverage(f, p, weight) > _FOUND for f, s in zip(figures, scores[i], strict=True)
        )
    ]
    if len(found) != 1:
        return None
    # The best-scoring figure of that part whose sentence holds exactly one other figure of its kind
    # ("a total of 624,840" states one figure: the next candidate is tried).
    ranked = sorted(
        ((sc, k) for k, sc in enumerate(scores[found[0]]) if sc > 0 and not figures[k].in_parens),
        reverse=True,
    )
    for _, k in ranked:
        anchor = figures[k]
        mates = [
            f
            for f in figures
            if f.source is anchor.source
            and not f.in_parens
            and f.start != anchor.start
            and same_kind(f, anchor)
        ]
        if len(mates) == 1 and mates[0].value != anchor.value:
            return [anchor, mates[0]] if found[0] == 0 else [mates[0], anchor]
    return None


def _assign_any_unit(
    parts: list[Part], figures: list[Figure], q: QuestionAnalysis, weight
) -> list[Figure] | None:
    """Like _assign, but a share may divide cards by applications (張 by 件)."""
    free = [replace(f, unit="") for f in figures]
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
    if not TOTAL_CUE.search(q.search_text) or q.answer_type not in {"count", "amount"}:
        return None
    if q.answer_type == "count" and not q.unit:
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
            picked.append(Figure.of(figs[0], Source(item, heading, lang, 1.0, section_id)))
        if len(picked) >= 2:
            return Combined("sum", sum(f.value for f in picked), tuple(picked))
    return None


def _fits_unit(q: QuestionAnalysis, f) -> bool:
    if q.answer_type == "amount":
        return f.money
    return bool(f.unit) and same_unit_kind(f.unit, q.unit)
