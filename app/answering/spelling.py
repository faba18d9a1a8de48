"""Typos in English questions, corrected against the report's own English words.

"Songshan Airpot", "aproximately", "recieved": a word the report never prints and English does not
know (pyspellchecker's English word list), one edit (a letter dropped, added, changed or two
swapped) away from a word the report prints, is read as that word for matching and retrieval.
British spellings the American-English report does not use ("labour", "centre") are read as the
report's. A real English word ("share", "could") is never changed, short words never (too many
neighbours), and where two report words are equally close the more frequent one wins only when
it is clearly more frequent. Only the question's search text changes; the words as typed are kept.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

_WORD = re.compile(r"[A-Za-z][A-Za-z']+")
MIN_WORD_CHARS = 5  # shorter words have too many one-edit neighbours to correct safely
MIN_COUNT = 2  # a correction must be a word the report prints at least this often
CLEAR_MARGIN = 3.0  # of two equally close words, the more frequent must be this many times as frequent


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _one_edit(a: str, b: str) -> bool:
    """Damerau-Levenshtein distance of exactly one (insert, delete, substitute, adjacent swap)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return short in _deletes(long_)


class ReportSpeller:
    """One-edit corrections of English words against the report's English vocabulary."""

    def __init__(self, texts: Iterable[str]) -> None:
        self._english = None  # pyspellchecker's word frequencies, loaded the first time they are needed
        self.counts: Counter[str] = Counter(w.lower() for t in texts for w in _WORD.findall(t))
        self._by_delete: dict[str, set[str]] = {}
        for w, n in self.counts.items():
            if len(w) >= MIN_WORD_CHARS - 1 and n >= MIN_COUNT:
                for key in _deletes(w) | {w}:
                    self._by_delete.setdefault(key, set()).add(w)

    def suggestion(self, word: str) -> str | None:
        """The report word one edit from ``word`` (lower case), or None (known, short or unclear)."""
        w = word.lower()
        if len(w) < MIN_WORD_CHARS or w in self.counts:
            return None
        near = {c for key in _deletes(w) | {w} for c in self._by_delete.get(key, ())}
        near = sorted((c for c in near if _one_edit(w, c)), key=lambda c: -self.counts[c])
        if not near or self._is_english(w):
            return None
        if len(near) > 1 and self.counts[near[0]] < CLEAR_MARGIN * self.counts[near[1]]:
            return None
        return near[0]

    def _is_english(self, word: str) -> bool:
        if self._english is None:
            from spellchecker import SpellChecker

            self._english = SpellChecker(language="en", distance=1).word_frequency
        return self._english[word] > 0

    def correct(self, text: str) -> str:
        """``text`` with each correctable word replaced (its capitalisation kept)."""

        def fix(m: re.Match[str]) -> str:
            word = m.group(0)
            new = self.suggestion(word)
            if new is None:
                return word
            if word.isupper():
                return new.upper()
            return new.capitalize() if word[0].isupper() else new

        return _WORD.sub(fix, text)
