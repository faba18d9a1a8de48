"""Small text helpers shared by the ingest modules: markup stripping, numbering, fuzzy titles.

The report is a PDF-to-markdown conversion, so the same heading can appear as
``## (二) 標題``, ``<b>二、標題</b>``, ``- (2) Title`` or ``#### **(2) Title**``;
everything here normalises those variants so the parsers can look at the numbering.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

ZH_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
ZH_CHAPTER_NUMERALS = ["壹", "貳", "參", "肆", "伍", "陸", "柒", "捌", "玖", "拾"]
ZH_LOWER_NUMERALS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"]
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV"]

_TAG_RE = re.compile(r"</?(?:b|p|strong|em|i|sup|sub|span|br)\b[^>]*>", re.IGNORECASE)
_CJK_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def zh_number(s: str) -> int | None:
    """一 -> 1, 十一 -> 11, 二十 -> 20 (enough for the report's headings)."""
    if not s or any(c not in ZH_DIGITS for c in s):
        return None
    if len(s) == 1:
        return ZH_DIGITS[s]
    if s[0] == "十":
        return 10 + ZH_DIGITS.get(s[1:], 0)
    if len(s) == 2 and s[1] == "十":
        return ZH_DIGITS[s[0]] * 10
    if len(s) == 3 and s[1] == "十":
        return ZH_DIGITS[s[0]] * 10 + ZH_DIGITS[s[2]]
    return None


def zh_numeral(n: int) -> str:
    """1 -> 一 (headings never go past 十 in the report)."""
    if 1 <= n <= 10:
        return ZH_LOWER_NUMERALS[n - 1]
    if n < 20:
        return "十" + ZH_LOWER_NUMERALS[n - 11]
    return str(n)


def roman_number(s: str) -> int | None:
    """Lower- or upper-case Roman numeral -> int (i..xv), else None."""
    up = s.upper()
    return ROMAN.index(up) + 1 if up in ROMAN else None


def roman(n: int, lower: bool = False) -> str:
    r = ROMAN[n - 1] if 1 <= n <= len(ROMAN) else str(n)
    return r.lower() if lower else r


def strip_markup(line: str) -> str:
    """Remove heading hashes, bullets, HTML tags, bold/italic stars and outer whitespace."""
    s = _TAG_RE.sub("", line)
    s = s.replace("\\$", "$")
    s = s.strip()
    s = re.sub(r"^#+\s*", "", s)
    s = re.sub(r"^[-•]\s+", "", s)
    s = s.replace("***", "").replace("**", "")
    # single-star italics around the whole line: *Title*
    if len(s) > 2 and s.startswith("*") and s.endswith("*"):
        s = s[1:-1]
    s = re.sub(r"^#+\s*", "", s.strip())
    return re.sub(r"[ \t\u3000]+", " ", s).strip()


def is_heading_markup(line: str) -> bool:
    """True when the raw line is marked as a heading (``#``, bold, ``<b>``)."""
    s = line.strip()
    return s.startswith("#") or s.startswith("**") or s.lower().startswith("<b>") or s.startswith("<p><b>")


def norm_title(s: str) -> str:
    """Comparison key: NFKC, lower-case, no spaces/punctuation/quotes."""
    s = unicodedata.normalize("NFKC", s).lower()
    return re.sub(r"[\s\W_]+", "", s)


def title_similarity(a: str, b: str) -> float:
    """0..1 fuzzy similarity of two titles (after :func:`norm_title`)."""
    na, nb = norm_title(a), norm_title(b)
    if not na or not nb:
        return 0.0
    if na == nb:
        return 1.0
    if na in nb or nb in na:
        return 0.9 * min(len(na), len(nb)) / max(len(na), len(nb)) + 0.1
    return SequenceMatcher(None, na, nb, autojunk=False).ratio()


def cjk_count(s: str) -> int:
    return len(_CJK_RE.findall(s))


def has_cjk(s: str) -> bool:
    return _CJK_RE.search(s) is not None


def is_title_like(title: str, lang: str) -> bool:
    """Short, no sentence-ending punctuation: a numbered line that is a heading, not a list item."""
    t = title.strip()
    if not t:
        return False
    if lang == "zh" or has_cjk(t):
        if cjk_count(t) > 30 or len(t) > 45:
            return False
        return not re.search(r"[。！？；;：:]\s*$|[。！？]", t)
    words = t.split()
    if len(words) > 14:
        return False
    # a full stop that ends a sentence (not "e.g.", not a number like 1.5)
    return not re.search(r"[a-z)\]\"”’]\.(\s|$)|[!?;:]\s*$", t)


_NUM_PATTERNS: dict[str, list[tuple[int, re.Pattern[str], str]]] = {
    "zh": [
        (1, re.compile(r"^([一二三四五六七八九十]{1,3})、\s*(.+)$"), "zh"),
        (2, re.compile(r"^[(（]\s*([一二三四五六七八九十]{1,3})\s*[)）]\s*(.+)$"), "zh"),
        (3, re.compile(r"^(\d{1,2})\s*[.．](?!\d)\s*(.+)$"), "int"),
        (4, re.compile(r"^[(（]\s*(\d{1,2})\s*[)）]\s*(.+)$"), "int"),
    ],
    "en": [
        (1, re.compile(r"^(\d{1,2})\.(?!\d)\s*(.+)$"), "int"),
        (2, re.compile(r"^\(\s*(\d{1,2})\s*\)\s*(.+)$"), "int"),
        (3, re.compile(r"^([ivx]{1,5})\.\s+(.+)$"), "roman"),
        (4, re.compile(r"^\(\s*([ivx]{1,5})\s*\)\s*(.+)$"), "roman"),
    ],
}


def parse_numbered(text: str, lang: str) -> tuple[int, int, str] | None:
    """``"(四) 設籍前…"`` -> ``(2, 4, "設籍前…")``; ``None`` when the line carries no numbering."""
    for level, pat, kind in _NUM_PATTERNS[lang]:
        m = pat.match(text)
        if not m:
            continue
        raw, title = m.group(1), m.group(2).strip()
        if kind == "zh":
            n = zh_number(raw)
        elif kind == "roman":
            n = roman_number(raw)
        else:
            n = int(raw)
        if n is None or not title:
            continue
        return level, n, title
    return None


def format_heading(level: int, n: int, title: str, lang: str) -> str:
    """Heading in path form: ``二、標題``, ``(四) 標題``, ``1. 標題``, ``(1) 標題`` / ``2. T``, ``(4) T``, ``i. T``, ``(i) T``."""
    if lang == "zh":
        return {
            1: f"{zh_numeral(n)}、{title}",
            2: f"({zh_numeral(n)}) {title}",
            3: f"{n}. {title}",
            4: f"({n}) {title}",
        }[level]
    return {
        1: f"{n}. {title}",
        2: f"({n}) {title}",
        3: f"{roman(n, lower=True)}. {title}",
        4: f"({roman(n, lower=True)}) {title}",
    }[level]
