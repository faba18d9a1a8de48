"""The wording of a computed figure: the result, then the operands as the report prints them."""

from __future__ import annotations

import re

from app.answering.multihop_figures import Combined
from app.answering.question import ROC_OFFSET, QuestionAnalysis


def _plain(value: float) -> str:
    return f"{int(round(value)):,}" if abs(value - round(value)) < 1e-6 else f"{value:,.2f}"


def _wan(value: float) -> str:
    """1493395013 -> "14億9,339萬5,013" (the report's own way of writing large figures)."""
    n = int(round(value))
    yi, rest = divmod(n, 10**8)
    wan, unit = divmod(rest, 10**4)
    out = f"{yi}億" if yi else ""
    if wan:
        out += f"{wan:,}萬"
    if unit or not out:
        out += f"{unit:,}"
    return out


def render(q: QuestionAnalysis, c: Combined) -> str:
    """The computed figure, then the operands as the report prints them, so a reader can check."""
    zh = q.lang == "zh"
    if c.kind == "ratio":
        num, den = c.figures
        if zh:
            return f"約 {c.value:.1f}%（{num.text} ÷ {den.text}）。"
        return f"About {c.value:.1f}% ({num.text} of {den.text})."
    op = " − " if c.kind == "difference" or (c.kind == "earlier" and c.value < c.figures[0].value) else " + "
    expr = op.join(f.text for f in c.figures)
    money = all(f.money for f in c.figures)
    unit = c.figures[0].unit if zh and not money else ("元" if zh else "")
    if zh:
        shown = _wan(c.value) if any(re.search(r"[萬億]", f.text) for f in c.figures) else _plain(c.value)
        plain = f"，即 {_plain(c.value)}{unit}" if shown != _plain(c.value) else ""
        approx = "約" if c.approximate else ""
        if c.kind == "earlier":
            return f"據此推算，{c.year - ROC_OFFSET}年{approx} {shown}{unit}（{expr}{plain}）。"
        head = "相差" if c.kind == "difference" else "合計"
        return f"{head}{approx} {shown}{unit}（{expr}{plain}）。"
    nt = "NT$" if money else ""
    approx = "about " if c.approximate else ""
    if c.kind == "earlier":
        return f"Derived from the report: {approx}{nt}{_plain(c.value)} in {c.year} ({expr})."
    head = "The difference is" if c.kind == "difference" else "In total,"
    noun = q.unit if q.unit and q.unit not in _NOT_A_NOUN and not money else c.figures[0].unit
    noun = f" {noun}" if noun and not money else ""
    return f"{head} {approx}{nt}{_plain(c.value)}{noun} ({expr})."


_NOT_A_NOUN = frozenset("more fewer less other of in did do does had have were was".split())
