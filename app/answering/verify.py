"""Verifier: every number and citation in a generated answer must be backed by the evidence."""

from __future__ import annotations

import re

from app.answering.extractive import Draft
from index.normalize import number_forms, year_forms
from index.records import Hit

_SMALL = 10  # 1-digit numbers ("2 sentences", list markers) are not checked


def unsupported_numbers(answer: str, evidence: str) -> list[str]:
    """Numbers in ``answer`` that appear in no form (萬/億, separators, full-width, ROC/Gregorian) in ``evidence``."""
    have = number_forms(evidence) | year_forms(evidence)
    out = []
    for n in sorted(number_forms(answer)):
        try:
            if float(n) < _SMALL:
                continue
        except ValueError:
            continue
        if n not in have:
            out.append(n)
    return out


def verify_draft(draft: Draft, hits: list[Hit]) -> str | None:
    """None when the draft is grounded; otherwise a short reason (the chain then falls back)."""
    if draft.abstained:
        return None
    if not draft.citations:
        return "no citation"
    evidence = " ".join(c.quote for c in draft.citations) + " " + " ".join(h.chunk.text for h in hits)
    bad = unsupported_numbers(re.sub(r"\[\d+\]", "", draft.answer), evidence)
    if bad:
        return f"numbers not in the evidence: {', '.join(bad[:5])}"
    return None
