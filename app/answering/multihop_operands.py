"""How strongly a figure is the operand of one question part: the part's own words near it (or in its
section heading), the label right before it, parentheses around it, the unit the question asks in."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from app.answering.multihop_figures import Figure, same_unit_kind
from app.answering.multihop_parts import Part
from app.answering.question import QuestionAnalysis


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


def part_coverage(fig: Figure, part: Part, weight: Callable[[str], float]) -> float:
    """Weighted share of the part's own words anywhere in the figure's clause (0..1), nearness aside."""
    lo, hi = _clause(fig)
    clause = fig.source.text[lo:hi]
    total = sum(weight(k) for k in part.keys)
    got = sum(weight(k) for k in part.keys if _occurrences(k, clause, fig.source.lang))
    return got / total if total else 0.0


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


def operand_score(fig: Figure, part: Part | None, shared: list[str], q: QuestionAnalysis, weight) -> float:
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
        score *= 1.0 if same_unit_kind(fig.unit, q.unit) else 0.4
    return score * fig.source.weight
