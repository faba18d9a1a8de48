"""Cheap string-similarity helpers shared by the resolvers (no model needed)."""

from __future__ import annotations

import re
import unicodedata

_VARIANTS = str.maketrans({"台": "臺", "址": "址"})
_EN_STOP = frozenset(
    "the a an of in on at for to and or by with from is are was were what which who how many much does do did "
    "nia's nia national immigration agency office's number its it this that there please tell me".split()
)


def fold(text: str) -> str:
    """NFKC, lower-case, 台->臺, whitespace removed: for containment tests."""
    text = unicodedata.normalize("NFKC", text).lower().translate(_VARIANTS)
    return re.sub(r"\s+", "", text)


_DOTTED = re.compile(r"\b(?:[a-z]\.){2,}")  # "u.k.", "u.s.a." are the words "uk", "usa"


def en_words(text: str) -> set[str]:
    text = _DOTTED.sub(lambda m: m.group(0).replace(".", ""), unicodedata.normalize("NFKC", text).lower())
    words = re.findall(r"[a-z0-9][a-z0-9'\-]*", text)
    return {w.rstrip("'s") if w.endswith("'s") else w for w in words if w not in _EN_STOP}


def zh_bigrams(text: str) -> set[str]:
    han = "".join(re.findall(r"[\u3400-\u9fff]", fold(text)))
    return {han[i : i + 2] for i in range(len(han) - 1)}


def units(text: str) -> frozenset[str]:
    """A text's distinctive units: its Chinese character bigrams and English words."""
    return frozenset(zh_bigrams(text) | en_words(text))


def overlap(query: str, candidate: str) -> float:
    """Share of the candidate's distinctive units found in the query."""
    cand = units(candidate)
    if not cand:
        return 0.0
    return len(cand & units(query)) / len(cand)
