"""Split section text into sentences (Chinese and English) for sentence-level evidence."""

from __future__ import annotations

import re
from functools import lru_cache

# Chinese sentences end at 。！？； ; English at . ! ? followed by a space and a capital/digit/quote.
_ZH_END = re.compile(r"(?<=[。！？；])")
_EN_END = re.compile(r"(?<=[.!?;])\s+(?=[\"“(A-Z0-9])")
# Abbreviations that end with a period but not a sentence.
_EN_ABBREV = re.compile(
    r"(?:\b(?:No|Sec|Rd|St|Dist|Vol|Art|Mr|Ms|Dr|U\.S|e\.g|i\.e|etc|vs|Ln|Aly|Fl|Rm|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|a\.m|p\.m|approx|Co|Ltd|Inc)\.)$"
)
# A clause after a semicolon that breaks the figure before it down belongs with it.
_BREAKDOWN = re.compile(r"\s*(?:其中|內含|包括|包含)")
_LIST_MARK = re.compile(
    r"^\s*(?:[-*•]\s*)?(?:\(?[ivx]+[.)]|\(?\d{1,2}[.)]|[（(][一二三四五六七八九十]+[)）])\s*"
)


def split_sentences(text: str, lang: str) -> list[str]:
    """Sentences of ``text`` with list markers removed; short fragments are merged into their neighbour.

    The answerer splits the same few sections many times per question (scoring, twin alignment,
    multi-fact operands), so the split of a section is computed once and copied out.
    """
    return list(_split_cached(text, lang))


@lru_cache(maxsize=1024)
def _split_cached(text: str, lang: str) -> tuple[str, ...]:
    out: list[str] = []
    for para in re.split(r"\n+", text):
        para = _LIST_MARK.sub("", para.strip())
        para = re.sub(r"\s+", " ", para)
        if not para:
            continue
        if lang == "zh":
            parts = []
            for piece in _ZH_END.split(para):
                if parts and parts[-1].endswith("；") and _BREAKDOWN.match(piece):
                    parts[-1] += (
                        piece  # "計 4 萬 2,851 人；其中，失聯移工 2 萬 7,048 人": the part and its total
                    )
                elif piece.strip():
                    parts.append(piece)
        else:
            parts = []
            for piece in _EN_END.split(para):
                if parts and _EN_ABBREV.search(parts[-1]):
                    parts[-1] = f"{parts[-1]} {piece}"
                else:
                    parts.append(piece)
        for p in parts:
            p = p.strip()
            if out and len(p) < (6 if lang == "zh" else 12):
                out[-1] = f"{out[-1]}{'' if lang == 'zh' else ' '}{p}"
            else:
                out.append(p)
    return tuple(out)
