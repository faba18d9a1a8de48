"""The figures a multi-fact answer is computed from: the evidence sentences (sources), the figures in
them, the combined result, and whether two figures count the same kind of thing."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.answering.arithmetic import ScannedFigure, scan_figures
from app.answering.question import QuestionAnalysis


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

    @classmethod
    def of(cls, f: ScannedFigure, source: Source) -> Figure:
        """A figure :func:`~app.answering.arithmetic.scan_figures` found in ``source``'s text."""
        return cls(f.value, f.text, f.start, f.unit, f.money, f.in_parens, f.approximate, source)


@dataclass(frozen=True)
class Combined:
    kind: str  # sum | difference | ratio | earlier
    value: float
    figures: tuple[Figure, ...]
    approximate: bool = False
    year: int | None = None  # for "earlier": the year the derived figure belongs to


_COMPACT = re.compile(r"(?<=[\u3400-\u9fff\d,（(])\s+(?=[\u3400-\u9fff\d（(])|(?<=[\d])\s+(?=[萬億])")
_PERSON_UNITS = "人名位員口"
UNIT_GROUPS = [_PERSON_UNITS, "件案起", "次通趟", "艘", "座台臺", "場", "班", "張", "家所", "國"]


def compact(text: str, lang: str) -> str:
    """Chinese text without the PDF's spaces around numbers ("12 億 9,820 萬" -> "12億9,820萬")."""
    return _COMPACT.sub("", text) if lang == "zh" else re.sub(r"\s+", " ", text)


def figures_in(q: QuestionAnalysis, source: Source) -> list[Figure]:
    out = []
    for f in scan_figures(source.text, source.lang):
        if q.answer_type == "amount" and not f.money:
            continue
        out.append(Figure.of(f, source))
    return out


def same_kind(a: Figure, b: Figure) -> bool:
    if a.money or b.money:
        return a.money and b.money
    if not a.unit or not b.unit:
        return True
    if a.source.lang == "zh":
        return same_unit_kind(a.unit, b.unit)
    # An English figure's next word is often a verb ("84 docked", "15,777 were"): only a period or
    # a count of countries against a count of something else marks a different kind.
    ua, ub = a.unit.rstrip("s"), b.unit.rstrip("s")
    if ua in _EN_MEASURES or ub in _EN_MEASURES:
        return ua == ub
    return True


_EN_MEASURES = frozenset(
    "day week month year hour minute second time countrie country percent episode session".split()
)


def same_unit_kind(a: str, b: str) -> bool:
    """Whether two Chinese counters count the same kind of thing ("名" and "人"; an empty counter goes
    with any counter of the groups)."""
    return a[:1] == b[:1] or bool(_unit_kinds(a) & _unit_kinds(b))


def _unit_kinds(unit: str) -> set[int]:
    return {i for i, g in enumerate(UNIT_GROUPS) if unit[:1] in g}
