"""Figures as values: "978萬9,034" is one figure, 9789034 (its parts 978 and 9034 are not figures)."""

from __future__ import annotations

import re

from index.normalize import amount_values, normalize_text, year_forms

_WAN_YI = re.compile(r"\d+(?:\.\d+)?億(?:\d+(?:\.\d+)?萬)?\d*|\d+(?:\.\d+)?萬\d*")
_EN_SCALE = re.compile(r"\d+(?:\.\d+)?\s*(?:thousand|million|billion)\b")
_PLAIN = re.compile(r"\d+(?:\.\d+)?")


def figure_values(text: str) -> set[str]:
    """Every figure in ``text`` as plain digits, composite 萬/億 and million/billion amounts as one value."""
    t = normalize_text(text)
    values = amount_values(t)
    rest = _EN_SCALE.sub(" ", _WAN_YI.sub(" ", t))
    values |= set(_PLAIN.findall(rest))
    return values


def discrepant_figures(zh_text: str, en_text: str, min_digits: int = 3) -> list[str]:
    """Figures of the Chinese text that the English text states in no form (years compared as years)."""
    en = figure_values(en_text) | year_forms(en_text)
    zh_years = year_forms(zh_text) | {
        str(int(y) - 1911) for y in year_forms(zh_text) if y.isdigit() and int(y) > 1911
    }
    out = []
    for v in sorted(figure_values(zh_text)):
        digits = v.split(".")[0]
        if len(digits) < min_digits or v in en or v in zh_years:
            continue
        out.append(v)
    return out
