"""Small text helpers for the bilingual appendix: splitting "中文 English" cells, cleaning markup.

The appendix prints most cells as Chinese followed by English in one cell
(``臺北市服務站 Taipei City Service Center``); a few are English only
(overseas addresses) or Chinese only (``基隆港 (自112.4.1起)``).
"""

from __future__ import annotations

import re

_CJK_IDEO = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_SUP = re.compile(r"\s*<sup>(.*?)</sup>")
_SPACE_BETWEEN_CJK = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")
_OPEN_PAREN_SPACE = re.compile(r"([(（])\s+")
_CLOSE_PAREN_SPACE = re.compile(r"\s+([)）])")
_HYPHEN_SPACE = re.compile(r"(?<=[A-Za-z])-\s+(?=[A-Za-z])")
_HEADING = re.compile(r"^\s*#+\s*")
_MD_LINK = re.compile(r"<(https?://[^>]+)>")


def has_cjk(text: str) -> bool:
    """True when ``text`` contains a Chinese ideograph."""
    return bool(_CJK_IDEO.search(text))


def clean_cell(text: str) -> str:
    """Drop ``<sup>`` markup (``42 <sup>nd</sup>`` -> ``42nd``) and collapse whitespace."""
    text = _SUP.sub(r"\1", text)
    text = _MD_LINK.sub(r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


def strip_heading(line: str) -> str:
    """Remove markdown heading marks and bold markers from a line."""
    return _HEADING.sub("", line).replace("**", "").strip()


def _tidy_zh(text: str) -> str:
    # The PDF conversion breaks words ("不予通過面 談比率") and pads brackets ("( 臺中港分隊 )").
    text = _SPACE_BETWEEN_CJK.sub("", text)
    text = _OPEN_PAREN_SPACE.sub(r"\1", text)
    text = _CLOSE_PAREN_SPACE.sub(r"\1", text)
    return text.strip()


def _tidy_en(text: str) -> str:
    text = _HYPHEN_SPACE.sub("-", text)  # "Sub- Total" -> "Sub-Total"
    text = text.strip()
    if text.startswith("(") and text.endswith(")") and text.count("(") == 1:
        text = text[1:-1].strip()  # "(Asia-Pacific Region Unit)"
    return text


def split_bilingual(cell: str) -> tuple[str, str]:
    """Split ``"中文 English"`` into ``("中文", "English")``.

    The Chinese part ends at the last Chinese character, extended over a
    directly attached non-space suffix (``桃園機場-T2``, ``(香港)``) and over
    closing brackets after spaces (``( 港區大樓 6 樓 )``); everything after
    is English. Cells without Chinese are English only; cells without Latin
    text after the Chinese are Chinese only.

    >>> split_bilingual("1月 Jan")
    ('1月', 'Jan')
    >>> split_bilingual("亞太地區單位(Asia-Pacific Region Unit)")
    ('亞太地區單位', 'Asia-Pacific Region Unit')
    """
    text = clean_cell(cell)
    last = None
    for m in _CJK_IDEO.finditer(text):
        last = m
    if last is None:
        return "", _tidy_en(text)
    end = last.end()
    m = re.compile(r"[^\s(（]*").match(text, end)
    end = m.end() if m else end
    while True:
        m = re.compile(r"\s*[)）]").match(text, end)
        if not m:
            break
        end = m.end()
    return _tidy_zh(text[:end]), _tidy_en(text[end:])


def join_bilingual(zh: str, en: str) -> str:
    """``"中文 English"`` with whichever parts exist."""
    return " ".join(p for p in (zh, en) if p)
