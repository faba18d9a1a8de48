"""Grading rules of DESIGN.md, the same in every harness.

- normalise = NFKC, lower-case, remove whitespace; numbers are also compared with
  thousands separators removed (``9,789,034`` matches ``9789034`` and back);
- answerable item: correct iff not abstained, the answer is at most 400 characters
  and it contains at least one ``must_include`` string;
- unanswerable item: correct iff abstained;
- citation correct iff some citation's ``path_zh`` contains the last segment of
  ``section_zh``, or its ``path_en`` the last segment of ``section_en`` (normalised).
  An empty segment never matches (the colophon has no English path).

萬/億 forms are *not* converted: the dev set lists every written form
(``978萬9,034``, ``9,789,034``) as separate ``must_include`` strings.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

MAX_ANSWER_CHARS = 400

_WHITESPACE = re.compile(r"\s+")
# A comma between two digits is a thousands separator (full-width "，" is ","
# after NFKC). Applied to both sides, so the rule works in both directions.
_DIGIT_COMMA = re.compile(r"(?<=\d),(?=\d)")
_SEGMENT_SPLIT = re.compile(r"\s*>\s*")


class _PathLike(Protocol):
    path_zh: str
    path_en: str


def normalise(text: str) -> str:
    """NFKC, lower-case, all whitespace removed."""
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", text).lower())


def strip_thousands(text: str) -> str:
    """Remove commas between digits (call on normalised text)."""
    return _DIGIT_COMMA.sub("", text)


def contains(haystack: str, needle: str) -> bool:
    """True iff normalised ``needle`` (non-empty) occurs in normalised ``haystack``,
    directly or with thousands separators removed from both."""
    n = normalise(needle)
    if not n:
        return False
    h = normalise(haystack)
    return n in h or strip_thousands(n) in strip_thousands(h)


def matching_strings(text: str, must_include: Iterable[str]) -> list[str]:
    """The ``must_include`` strings that ``text`` contains."""
    return [s for s in must_include if contains(text, s)]


def answer_matches(answer: str, must_include: Iterable[str]) -> bool:
    """The DESIGN rule for an answerable item's text: ≤ 400 characters and ≥ 1 must_include string."""
    return len(answer) <= MAX_ANSWER_CHARS and bool(matching_strings(answer, must_include))


def grade_answer(*, answerable: bool, answer: str, abstained: bool, must_include: Iterable[str]) -> bool:
    """Correctness of one answer (DESIGN.md grading)."""
    if not answerable:
        return bool(abstained)
    return not abstained and answer_matches(answer, must_include)


def last_segment(section_path: str) -> str:
    """Last `` > ``-separated segment of a section path, normalised ("" for an empty path)."""
    if not section_path or not section_path.strip():
        return ""
    return normalise(_SEGMENT_SPLIT.split(section_path.strip())[-1])


def path_matches(path_zh: str, path_en: str, section_zh: str, section_en: str) -> bool:
    """True iff ``path_zh`` contains the last segment of ``section_zh`` or ``path_en``
    contains the last segment of ``section_en`` (all normalised; empty segments never match)."""
    seg_zh, seg_en = last_segment(section_zh), last_segment(section_en)
    return bool(seg_zh and seg_zh in normalise(path_zh or "")) or bool(
        seg_en and seg_en in normalise(path_en or "")
    )


def citation_correct(citations: Iterable[_PathLike], section_zh: str, section_en: str) -> bool:
    """Some citation points at the gold section (see ``path_matches``)."""
    return any(path_matches(c.path_zh, c.path_en, section_zh, section_en) for c in citations)


@dataclass(frozen=True)
class Grade:
    correct: bool
    citation_correct: bool | None  # None for unanswerable items (not counted)
    matched: tuple[str, ...]  # must_include strings found in the answer
    too_long: bool


def grade(
    *,
    answerable: bool,
    answer: str,
    abstained: bool,
    citations: Iterable[_PathLike],
    must_include: Iterable[str],
    section_zh: str,
    section_en: str,
) -> Grade:
    """Grade one answer and its citations against one item."""
    must = list(must_include)
    cits = list(citations)
    return Grade(
        correct=grade_answer(answerable=answerable, answer=answer, abstained=abstained, must_include=must),
        citation_correct=citation_correct(cits, section_zh, section_en) if answerable else None,
        matched=tuple(matching_strings(answer, must)) if answerable else (),
        too_long=len(answer) > MAX_ANSWER_CHARS,
    )


class _HitLike(Protocol):
    rank: int

    @property
    def chunk(self) -> _ChunkLike: ...


class _ChunkLike(Protocol):
    path_zh: str
    path_en: str
    text: str


@dataclass(frozen=True)
class RetrievalRanks:
    """1-based rank of the first retrieved chunk that is gold, or None when none in the list is."""

    section: int | None  # chunk's path_zh/path_en matches the gold section (citation rule)
    string: int | None  # chunk text contains a must_include string
    gold: int | None  # either of the two (used for recall@k and MRR)


def retrieval_ranks(
    hits: Iterable[_HitLike], must_include: Iterable[str], section_zh: str, section_en: str
) -> RetrievalRanks:
    """Where the gold evidence first appears in a ranked hit list (position in the list, 1-based)."""
    must = list(must_include)
    section: int | None = None
    string: int | None = None
    for pos, hit in enumerate(hits, start=1):
        chunk = hit.chunk
        if section is None and path_matches(chunk.path_zh, chunk.path_en, section_zh, section_en):
            section = pos
        if string is None and matching_strings(chunk.text, must):
            string = pos
        if section is not None and string is not None:
            break
    found = [r for r in (section, string) if r is not None]
    return RetrievalRanks(section=section, string=string, gold=min(found) if found else None)
