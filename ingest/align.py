"""Pair Chinese and English sections (zh/4/2/4 <-> en/4/2/4) and report what stays unpaired.

Both trees get their ids from the same numbering path, so a twin is the
section with the same id suffix. The pair is double-checked cheaply: the
numbers that appear in both texts (years converted 民國 -> AD, 萬-style
amounts expanded) should overlap when both sections have numbers. A pair with
no shared number at all is still kept (translations round and reword) but is
listed as ``weak`` so a reviewer can look at it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ingest.records import Section


@dataclass(frozen=True)
class Alignment:
    """Result of :func:`align_sections`."""

    sections: tuple[Section, ...]  # input sections with ``aligned_id`` filled
    pairs: tuple[tuple[str, str], ...]  # (zh id, en id)
    unaligned: tuple[str, ...]  # section ids without a twin
    weak: tuple[tuple[str, str], ...]  # pairs whose texts share no number although both have some

    @property
    def aligned_ratio(self) -> float:
        total = len(self.pairs) * 2 + len(self.unaligned)
        return (len(self.pairs) * 2 / total) if total else 0.0


def _suffix(section_id: str) -> str:
    return section_id.split("/", 1)[1] if "/" in section_id else section_id


_WAN_RE = re.compile(
    r"(\d+(?:,\d{3})*)\s*億\s*(?:(\d+(?:,\d{3})*)\s*萬)?\s*(\d+(?:,\d{3})*)?|(\d+(?:,\d{3})*)\s*萬\s*(\d+(?:,\d{3})*)?"
)


def numbers_in(text: str, lang: str) -> set[int]:
    """Numbers mentioned in ``text`` (>= 10, so list markers do not count); zh 萬/億 amounts expanded, 民國 years +1911."""
    out: set[int] = set()
    if lang == "zh":
        for m in _WAN_RE.finditer(text):
            g = [int(x.replace(",", "")) if x else 0 for x in m.groups()]
            if m.group(1):
                out.add(g[0] * 100_000_000 + g[1] * 10_000 + g[2])
            else:
                out.add(g[3] * 10_000 + g[4])
        text = _WAN_RE.sub(" ", text)
    for m in re.finditer(r"\d+(?:,\d{3})*(?:\.\d+)?", text):
        raw = m.group(0).replace(",", "")
        try:
            v = int(float(raw))
        except ValueError:
            continue
        if v >= 10:
            out.add(v)
            if lang == "zh" and 80 <= v <= 120:
                out.add(v + 1911)  # 民國 year
    return out


def align_sections(zh: list[Section], en: list[Section]) -> Alignment:
    """Fill ``aligned_id`` on both sides by id suffix; return pairs, unaligned ids and weak pairs."""
    en_by = {_suffix(s.section_id): s for s in en}
    zh_by = {_suffix(s.section_id): s for s in zh}
    pairs: list[tuple[str, str]] = []
    weak: list[tuple[str, str]] = []
    twin: dict[str, str] = {}
    for suf, z in zh_by.items():
        e = en_by.get(suf)
        if e is None:
            continue
        pairs.append((z.section_id, e.section_id))
        twin[z.section_id] = e.section_id
        twin[e.section_id] = z.section_id
        nz, ne = numbers_in(z.text, "zh"), numbers_in(e.text, "en")
        if nz and ne and not (nz & ne):
            weak.append((z.section_id, e.section_id))
    out = tuple(replace(s, aligned_id=twin.get(s.section_id)) for s in [*zh, *en])
    unaligned = tuple(s.section_id for s in out if s.aligned_id is None)
    return Alignment(out, tuple(pairs), unaligned, tuple(weak))
