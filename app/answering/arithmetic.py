"""Two-fact questions: a sum or difference of figures that the evidence states separately.

"生活適應輔導班和種籽研習營合計開了幾班？" -> the evidence gives 107 班 and 10 班; the
answer shows the computed 117 and the operands, so a reader can check the arithmetic.
Operands are the numbers whose neighbourhood shares the question's terms (and unit);
years, dates and percentages never are.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from app.answering.question import QuestionAnalysis

# Explicit cues only: "一共", "in total" alone usually ask for a cumulative figure the report states,
# and a confidently wrong computed sum is worse than the stated figure.
_SUM = re.compile(
    r"加上|加起來|兩者|三者|(?:和|與|及|、).{1,20}合計|合計.{0,6}(?:和|與|及)|"
    r"together|combined|sum of|across the two|counting (?:both|the)|\bplus\b",
    re.I,
)
_DIFF = re.compile(
    r"少幾|多幾|相差|差距|差了|多了多少|少了多少|增加了多少|減少了多少|超過.*多少|比(?![率例重]).*[多少]|"
    r"how many more|how many fewer|difference|apart from|other than|leaving out|excluding|not counting|except|"
    r"beat .* by|exceed.* by|more than .* by",
    re.I,
)
# A figure: "2萬1,932", "21,932", "1.5億", "107"; not part of a longer number.
_FIGURE = re.compile(
    r"(?<![\d.,])(?:\d+(?:\.\d+)?億(?:\d[\d,]*萬)?(?:\d[\d,]*)?|\d[\d,]*(?:\.\d+)?萬(?:\d[\d,]*)?|\d[\d,]*(?:\.\d+)?)(?![\d])"
)
_UNIT_SPACE = re.compile(r"(?<=\d)[ \t]+(?=[萬億])|(?<=[萬億])[ \t]+(?=\d)")
_MONTH_BEFORE = re.compile(r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s*$", re.I)
_MONEY_AFTER = re.compile(r"^\s*(?:億|萬|元|千元|million|billion|dollars|NT)", re.I)
_NOT_A_COUNT = re.compile(r"^\s*(?:年|月|日|%|％|時|點|歲以|週|號|條|項次)|^\s*(?:st|nd|rd|th)\b")


@dataclass(frozen=True)
class Operand:
    value: float
    text: str


def combination(q: QuestionAnalysis) -> str | None:
    if q.answer_type not in {"count", "amount", "other", "percent"}:
        return None
    if _DIFF.search(q.search_text):
        return "difference"
    if _SUM.search(q.search_text):
        return "sum"
    return None


def _value(figure: str) -> float:
    figure = figure.replace(",", "").replace(" ", "")
    total = 0.0
    m = re.match(r"(?:(\d+(?:\.\d+)?)億)?(?:(\d+(?:\.\d+)?)萬)?(\d+(?:\.\d+)?)?$", figure)
    # (thousands separators were removed above)
    if not m:
        return float("nan")
    if m.group(1):
        total += float(m.group(1)) * 1e8
    if m.group(2):
        total += float(m.group(2)) * 1e4
    if m.group(3):
        total += float(m.group(3))
    return total


def operands(
    q: QuestionAnalysis, text: str, terms: Callable[[str], list[str]], question_terms: set[str]
) -> list[Operand]:
    """Figures in ``text`` whose neighbourhood shares the question's terms, best first."""
    scored: list[tuple[float, int, Operand]] = []
    text = _UNIT_SPACE.sub("", text)  # "3 億 4,018 萬 9,067" -> "3億4,018萬9,067"
    for m in _FIGURE.finditer(text):
        after = text[m.end() : m.end() + 6]
        if _NOT_A_COUNT.match(after):
            continue
        figure = m.group(0).strip().rstrip(",")
        if re.fullmatch(r"(19|20)\d\d", figure.replace(",", "")):
            continue  # a Gregorian year
        if _MONTH_BEFORE.search(text[max(0, m.start() - 12) : m.start()]):
            continue  # "May 11"
        money_before = text[max(0, m.start() - 4) : m.start()]
        if q.answer_type == "amount" and not (_MONEY_AFTER.match(after) or "NT$" in money_before):
            continue
        window = text[max(0, m.start() - 14) : m.start()] + " " + after
        if q.lang == "en":
            window = " ".join(text[max(0, m.start() - 60) : m.end() + 40].split()[-12:])
        shared = len(set(terms(window)) & question_terms)
        if q.unit and not after.lstrip().startswith(q.unit[:1]):
            shared -= 0.5
        scored.append((shared, -m.start(), Operand(_value(figure), figure)))
    scored.sort(key=lambda t: (t[0], t[1]), reverse=True)
    return [op for s, _, op in scored if s > 0]


def compute(kind: str, ops: list[Operand]) -> tuple[float, list[Operand]] | None:
    if len(ops) < 2:
        return None
    if kind == "difference":
        a, b = ops[0], ops[1]
        return abs(a.value - b.value), [a, b]
    chosen = ops[:2]
    return sum(o.value for o in chosen), chosen


def _fmt(value: float) -> str:
    return f"{int(round(value)):,}" if abs(value - round(value)) < 1e-9 else f"{value:,.2f}"


def phrase(q: QuestionAnalysis, kind: str, result: float, used: list[Operand]) -> str:
    op = " − " if kind == "difference" else " + "
    expr = op.join(o.text for o in used)
    if q.lang == "zh":
        head = "相差" if kind == "difference" else "合計"
        return f"{head} {_fmt(result)}{q.unit}（{expr}）。"
    head = "The difference is" if kind == "difference" else "In total,"
    return f"{head} {_fmt(result)} ({expr})."
