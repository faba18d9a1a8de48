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


_HAN_RUN = re.compile(r"[\u3400-\u9fff]+")
MIN_TRIGRAM_COUNT = 3  # a correction must make a character trigram the report prints this often
CONTEXT_CHARS = 4  # ... and extend a stretch the report prints to at least this many characters


class ChineseTypos:
    """A character typed for its homophone ("入出鏡" for 入出境, "失連" for 失聯), corrected against the report.

    A character trigram of the question that the report never prints, where one character swapped
    for another of the same pinyin (toneless, pypinyin) gives a trigram the report prints often, is
    corrected when the swap makes a longer stretch of the question (``CONTEXT_CHARS``) one the report
    prints too, and only one swap does. The question's Traditional search text changes; the words as
    typed are kept.
    """

    def __init__(self, texts: Iterable[str]) -> None:
        runs = [r for t in texts for r in _HAN_RUN.findall(t.replace("台", "臺"))]
        self._text = "\n".join(runs)
        self._trigrams: Counter[str] = Counter(r[i : i + 3] for r in runs for i in range(len(r) - 2))
        self._wild: dict[tuple[int, str], list[str]] = {}
        for g, n in self._trigrams.items():
            if n >= MIN_TRIGRAM_COUNT:
                for i in range(3):
                    self._wild.setdefault((i, g[:i] + "?" + g[i + 1 :]), []).append(g)

    def correct(self, text: str) -> str:
        chars = list(text.replace("台", "臺"))  # the report's form, for matching only
        out = list(text)
        for m in _HAN_RUN.finditer(text):
            for start in range(m.start(), m.end() - 2):
                fix = self._fix_at(chars, start, m.start(), m.end())
                if fix is not None:
                    chars[fix[0]] = out[fix[0]] = fix[1]
        return "".join(out)

    def _fix_at(self, chars: list[str], start: int, run_start: int, run_end: int) -> tuple[int, str] | None:
        gram = "".join(chars[start : start + 3])
        if self._trigrams[gram]:
            return None
        found: set[tuple[int, str]] = set()
        for k in range(3):
            for cand in self._wild.get((k, gram[:k] + "?" + gram[k + 1 :]), ()):
                pos = start + k
                if (
                    cand[k] != gram[k]
                    and _same_sound(cand[k], gram[k])
                    and self._extends(chars, pos, cand[k], run_start, run_end)
                ):
                    found.add((pos, cand[k]))
        return found.pop() if len(found) == 1 else None

    def _extends(self, chars: list[str], pos: int, new: str, run_start: int, run_end: int) -> bool:
        """Whether ``new`` at ``pos`` fits its context as the report prints it: some stretch of
        CONTEXT_CHARS around it is in the report, or it makes a report bigram with each neighbour."""
        trial = chars[:pos] + [new] + chars[pos + 1 :]
        for s in range(max(run_start, pos - CONTEXT_CHARS + 1), pos + 1):
            e = s + CONTEXT_CHARS
            if e <= run_end and "".join(trial[s:e]) in self._text:
                return True
        left = pos == run_start or "".join(trial[pos - 1 : pos + 1]) in self._text
        right = pos == run_end - 1 or "".join(trial[pos : pos + 2]) in self._text
        return left and right


def _same_sound(a: str, b: str) -> bool:
    from pypinyin import Style, lazy_pinyin

    pa, pb = lazy_pinyin(a + b, style=Style.NORMAL)
    return pa == pb
