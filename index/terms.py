"""Mine a jieba user dictionary of report terms from headings, table titles, office names and 「quoted」 terms.

jieba's default dictionary is built from Simplified news text and splits many of
the report's names badly (人口販運防制法 -> 人口/販運防/制法, 移民署 -> 移民/署).
Terms that the report itself marks as names (quoted, used as headings or table
titles, office names) become whole words; the tokenizer still emits their parts.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from ingest.records import Chunk, Section

MIN_LEN, MAX_LEN = 3, 10
MAX_QUOTED_LEN = 14

_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_QUOTED = re.compile(r"[「『]([^」』]{2,40})[」』]")
_NUMBERING = re.compile(
    r"^\s*(?:第[壹貳參肆伍陸柒捌玖拾]+章|[一二三四五六七八九十]+、|[(（][^)）]{1,3}[)）]|\d+[.、])\s*"
)
# Conjunctions and particles that separate names inside long heading phrases.
_JOINERS = re.compile(r"[及與和暨之的並或]")
# Organisation names: two characters + an agency suffix, frequent in the text (移民署, 內政部, 警政署).
_ORG = re.compile(r"([\u3400-\u9fff]{2}(?:署|部|局|院))")
_ORG_BAD = set("的於及與在為之本該各並由將其此等年月日")
ORG_MIN_COUNT = 5


def _pieces(title: str) -> Iterable[str]:
    """CJK pieces of a heading/title that are term-sized; long runs are split at conjunctions."""
    title = _NUMBERING.sub("", title)
    for run in _CJK_RUN.findall(title):
        if MIN_LEN <= len(run) <= MAX_LEN:
            yield run
        elif len(run) > MAX_LEN:
            for part in _JOINERS.split(run):
                if MIN_LEN <= len(part) <= MAX_LEN:
                    yield part


def mine_terms(
    sections: Iterable[Section],
    chunks: Iterable[Chunk],
    tables: Iterable[Any] = (),
    offices: Iterable[Any] = (),
) -> list[str]:
    """Sorted, de-duplicated Chinese terms for the jieba user dictionary."""
    terms: set[str] = set()
    for s in sections:
        if s.lang == "zh":
            terms.update(_pieces(s.heading))
            for seg in s.path:
                terms.update(_pieces(seg))
    for t in tables:
        terms.update(_pieces(getattr(t, "title_zh", "")))
    for o in offices:
        for attr in ("name_zh", "region_zh", "group_zh"):
            terms.update(_pieces(getattr(o, attr, "")))
    org_counts: Counter[str] = Counter()
    for c in chunks:
        if c.lang != "zh":
            continue
        for q in _QUOTED.findall(c.text):
            q = q.strip()
            if _CJK_RUN.fullmatch(q) and 2 <= len(q) <= MAX_QUOTED_LEN:
                terms.add(q)
            else:
                terms.update(_pieces(q))
        org_counts.update(_ORG.findall(c.text))
    for org, n in org_counts.items():
        if n >= ORG_MIN_COUNT and not (set(org[:2]) & _ORG_BAD):
            terms.add(org)
    return sorted(t for t in terms if len(t) >= 2)
