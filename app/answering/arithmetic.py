"""Two-fact questions: a sum or difference of figures that the evidence states separately.

"A 和 B 合計幾班？" -> the evidence gives one figure in 班 for each; the answer shows the
computed total and the operands, so a reader can check the arithmetic.
Operands are the numbers whose neighbourhood shares the question's terms (and unit);
years, dates and percentages never are.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from app.answering.multihop_parts import RATE_EN, RATE_ZH
from app.answering.question import QuestionAnalysis

# Explicit cues only: "一共", "in total" alone usually ask for a cumulative figure the report states,
# and a confidently wrong computed sum is worse than the stated figure.
_SUM = re.compile(
    r"加上|加起來|兩者|三者|(?:和|與|及|、).{1,20}合計|合計.{0,6}(?:和|與|及)|"
    r"together|combined|sum of|across the two|counting (?:both|the)|\bplus\b|加總|總和|\baltogether\b",
    re.I,
)
_DIFF = re.compile(
    r"少幾|多幾|相差|差距|差了|多了多少|少了多少|增加了多少|減少了多少|超過.*多少|比(?![率例重]).*[多少]|"
    r"how many more|how many fewer|difference|apart from|other than|leaving out|excluding|not counting|except|"
    r"beat .* by|exceed.* by|more than .* by|\bby how (?:many|much)\b|超出.*多少|超越.*多少|"
    r"\bgap between\b|\bminus\b|\bsubtract|\bexclud(?:e|ing)\b|\btake .+ out of\b|減掉|減去|扣掉|扣除",
    re.I,
)
# A figure: "2萬1,932", "21,932", "1.5億", "107"; not part of a longer number.
_FIGURE = re.compile(
    r"(?<![\d.,])(?:\d+(?:\.\d+)?億(?:\d[\d,]*萬)?(?:\d[\d,]*)?|\d[\d,]*(?:\.\d+)?萬(?:\d[\d,]*)?|\d[\d,]*(?:\.\d+)?)(?![\d])"
)
_UNIT_SPACE = re.compile(r"(?<=\d)[ \t]+(?=[萬億])|(?<=[萬億])[ \t]+(?=\d)")
_MONTH_BEFORE = re.compile(r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s*$", re.I)
_MONEY_AFTER = re.compile(r"^\s*(?:億|萬|元|千元|million|billion|dollars|NT)", re.I)
_NOT_A_COUNT = re.compile(
    r"^\s*(?:年|月|日|%|％|時|點|歲以|週|號|條|項次|percent)|^\s*(?:st|nd|rd|th)\b|^\s*[-/]\s*\d", re.I
)


@dataclass(frozen=True)
class Operand:
    value: float
    text: str


# "What share of the applications were approved?": a percentage of two stated counts.
_RATIO = re.compile(
    r"\b(?:share|percentage|proportion|fraction) of\b|中.{0,10}(?:的)?(?:比例|比率|佔比|占比|百分比)|"
    r"[占佔].{0,8}?(?:幾成|多少(?:比例|百分比|%)?|百分之幾|比例|比率|百分比)",
    re.I,
)
# A part's share of a whole ("what share of all ...", "占幾成"), not a rate of two kinds.
_SHARE = re.compile(
    r"\b(?:share|percentage|proportion|fraction|percent) of\b|[占佔].{0,8}?(?:幾成|多少|百分之幾|比例|比率|百分比)|占比|佔比",
    re.I,
)


def asks_share(q: QuestionAnalysis) -> bool:
    """Whether the question asks a part's share of a whole (a cell over its table's total)."""
    return q.answer_type == "percent" and bool(_SHARE.search(q.search_text))


def combination(q: QuestionAnalysis) -> str | None:
    """'sum', 'difference' or 'ratio' when the question asks to combine figures, else None."""
    if q.answer_type not in {"count", "amount", "other", "percent"}:
        return None
    if q.answer_type == "percent":
        text = q.search_text
        asked = _RATIO.search(text) or RATE_EN.search(text) or RATE_ZH.search(text)
        return "ratio" if asked else None
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


@dataclass(frozen=True)
class ScannedFigure:
    """A figure as printed, its value, and what it counts (the counter or word after it)."""

    value: float
    text: str
    start: int
    unit: str
    money: bool
    in_parens: bool  # inside "( ... )" after another figure: a breakdown, not a separate fact
    approximate: bool


_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9}
_EN_SCALE_AFTER = re.compile(r"^\s*(thousand|million|billion)\b", re.I)
_APPROX = re.compile(
    r"(?:約|近|逾|approximately|about|roughly|nearly|around|over|some)\s*(?:NT\$)?\s*$", re.I
)
_NAME_AFTER = re.compile(r"^\s*[」”\"』]")


def scan_figures(text: str, lang: str) -> list[ScannedFigure]:
    """Every quantity in ``text`` (not years, dates, percentages, ordinals or names such as "WIN198")."""
    text = _UNIT_SPACE.sub("", text)
    out: list[ScannedFigure] = []
    for m in _FIGURE.finditer(text):
        figure = m.group(0).rstrip(",")
        start, end = m.start(), m.start() + len(figure)
        after = text[end : end + 24]
        before = text[max(0, start - 12) : start]
        if _NOT_A_COUNT.match(after) or _NAME_AFTER.match(after) or re.search(r"[A-Za-z\-]$", before):
            continue
        if re.fullmatch(r"(19|20)\d\d", figure.replace(",", "")) or _MONTH_BEFORE.search(before):
            continue
        if re.search(r"第\s*$", before):
            continue  # "第 1 次"
        value = _value(figure)
        if value != value:  # nan
            continue
        scale = _EN_SCALE_AFTER.match(after)
        shown = figure
        if scale:
            value *= _SCALE[scale.group(1).lower()]
            shown = f"{figure} {scale.group(1).lower()}"
            after = after[scale.end() :]
        money = bool(_MONEY_AFTER.match(text[end : end + 8]) or "NT$" in text[max(0, start - 4) : start])
        if "NT$" in text[max(0, start - 4) : start]:
            shown = "NT$" + shown
        if lang == "zh":
            unit_m = re.match(r"\s*(?:餘)?([\u3400-\u9fff])", after)
        else:
            unit_m = re.match(r"\s*-?([A-Za-z][A-Za-z\-]*)", after)
        unit = "元" if money and lang == "zh" else (unit_m.group(1).lower() if unit_m else "")
        opened = max(text.rfind("(", 0, start), text.rfind("（", 0, start))
        closed = max(text.rfind(")", 0, start), text.rfind("）", 0, start))
        in_parens = opened > closed and any(o.start < opened for o in out)
        approx = (
            bool(_APPROX.search(before)) or text[end : end + 1] == "餘" or bool(re.match(r"\s*餘", after))
        )
        out.append(ScannedFigure(value, shown, start, unit, money, in_parens, approx))
    return out


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
