"""Text normalisation shared by chunks, queries and the answer verifier.

The report writes the same number many ways: ``978 萬 9,034``, ``9,789,034``,
full-width ``１１２年``, ``112年`` next to ``2023``. Everything that compares
text (BM25 tokens, the answer verifier) runs through these functions so both
sides agree.

>>> normalize_text("截至１１２年底 978 萬 9,034 人")
'截至112年底978萬9034人'
>>> sorted(number_forms("978萬9,034人"))
['9034', '978', '9789034']
"""

from __future__ import annotations

import re
import unicodedata

#: ROC (民國) year n is Gregorian n + 1911.
ROC_OFFSET = 1911
#: ROC years we recognise before 年 ("112年"); smaller numbers are durations ("3年").
ROC_YEAR_MIN, ROC_YEAR_MAX = 50, 150
GREGORIAN_MIN, GREGORIAN_MAX = ROC_YEAR_MIN + ROC_OFFSET, ROC_YEAR_MAX + ROC_OFFSET

_THOUSANDS = re.compile(r"(?<![\d.])\d{1,3}(?:,\d{3})+(?![\d])")
# Spaces the PDF conversion puts around numbers and Chinese units: "59 萬 2,561 人", "112 年".
_SPACE_BEFORE_UNIT = re.compile(r"(?<=\d)[ \t]+(?=[萬億年月日人元件次歲座%％])")
_SPACE_AFTER_UNIT = re.compile(r"(?<=[萬億])[ \t]+(?=\d)")
_SPACE_CJK_DIGIT = re.compile(
    r"(?<=[\u3400-\u9fff\uff0c\u3001\u3002])[ \t]+(?=\d)|(?<=\d)[ \t]+(?=[\u3400-\u9fff])"
)
_WS = re.compile(r"[ \t\u3000]+")

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# 億/萬 amounts: "3億2000萬", "978萬9034", "1.5億", "47萬".
_AMOUNT = re.compile(
    r"(?:(?P<yi>\d+(?:\.\d+)?)億)?(?:(?P<wan>\d+(?:\.\d+)?)萬)?(?P<rest>\d+)?",
)
_EN_SCALE = re.compile(r"(\d+(?:\.\d+)?)\s*(thousand|million|billion)\b")
_EN_SCALES = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_ROC_YEAR = re.compile(r"(?<![\d.])(\d{2,3})年")
_GREGORIAN_YEAR = re.compile(r"(?<![\d.])(\d{4})(?![\d])")


def roc_to_gregorian(n: int) -> int:
    """ROC (民國) year to Gregorian: 112 -> 2023."""
    return n + ROC_OFFSET


def gregorian_to_roc(n: int) -> int:
    """Gregorian year to ROC (民國): 2023 -> 112."""
    return n - ROC_OFFSET


def normalize_text(s: str) -> str:
    """NFKC, lower-case, thousands separators removed, number/unit spacing collapsed.

    Chinese characters are kept as they are (never converted to Simplified).
    """
    s = unicodedata.normalize("NFKC", s).lower()
    s = _THOUSANDS.sub(lambda m: m.group(0).replace(",", ""), s)
    s = _SPACE_BEFORE_UNIT.sub("", s)
    s = _SPACE_AFTER_UNIT.sub("", s)
    s = _SPACE_CJK_DIGIT.sub("", s)
    return _WS.sub(" ", s).strip()


def _plain(value: float) -> str:
    return str(int(round(value))) if abs(value - round(value)) < 1e-6 else repr(value)


def amount_values(s: str) -> set[str]:
    """Values of 萬/億 and thousand/million amounts in ``s`` as plain digits ("978萬9034" -> "9789034")."""
    s = normalize_text(s)
    out: set[str] = set()
    for m in _AMOUNT.finditer(s):
        yi, wan, rest = m.group("yi"), m.group("wan"), m.group("rest")
        if yi is None and wan is None:
            continue
        total = 0.0
        if yi is not None:
            total += float(yi) * 100_000_000
        if wan is not None:
            total += float(wan) * 10_000
            if rest is not None and len(rest) <= 4:
                total += int(rest)
        elif rest is not None and len(rest) <= 8:  # "3億2000" (億 then a remainder < 1e8)
            total += int(rest)
        out.add(_plain(total))
    for m in _EN_SCALE.finditer(s):
        out.add(_plain(float(m.group(1)) * _EN_SCALES[m.group(2)]))
    return out


def number_forms(s: str) -> set[str]:
    """Every number mentioned in ``s``, as plain digits, plus the value of each 萬/億 amount."""
    s = normalize_text(s)
    return {m.group(0) for m in _NUMBER.finditer(s)} | amount_values(s)


def year_forms(s: str) -> set[str]:
    """Equivalent year tokens: "112年" -> {"2023"}, "2023" -> {"112"} (the ROC number as jieba splits "112年")."""
    s = normalize_text(s)
    out: set[str] = set()
    for m in _ROC_YEAR.finditer(s):
        n = int(m.group(1))
        if ROC_YEAR_MIN <= n <= ROC_YEAR_MAX:
            out.add(str(roc_to_gregorian(n)))
    for m in _GREGORIAN_YEAR.finditer(s):
        n = int(m.group(1))
        if GREGORIAN_MIN <= n <= GREGORIAN_MAX:
            out.add(str(gregorian_to_roc(n)))
    return out


def year_aliases(s: str) -> set[str]:
    """Human-readable alternative year forms: "112年" -> {"2023"}, "2023" -> {"112年"}."""
    s = normalize_text(s)
    out = {
        str(roc_to_gregorian(int(m.group(1))))
        for m in _ROC_YEAR.finditer(s)
        if ROC_YEAR_MIN <= int(m.group(1)) <= ROC_YEAR_MAX
    }
    out |= {
        f"{gregorian_to_roc(int(m.group(1)))}年"
        for m in _GREGORIAN_YEAR.finditer(s)
        if GREGORIAN_MIN <= int(m.group(1)) <= GREGORIAN_MAX
    }
    return out
