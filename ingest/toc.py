"""Parse the two tables of contents (目次 / Table of Contents) into :class:`TocEntry` records.

The TOCs are the only place with chapter labels and printed page numbers, so
they drive both the section paths and the pages. Their markup varies from line
to line (``<b>…</b>\\t<b>16</b>``, ``#### **4. Title .....76**``, ``- (1) …``,
dotted leaders with or without a tab, titles wrapped onto two lines); this
module reduces every line to (numbering, title, page).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ingest.text import (
    ZH_CHAPTER_NUMERALS,
    format_heading,
    parse_numbered,
    roman,
    strip_markup,
)

TocKind = Literal["chapter", "heading", "appendix"]

#: The TOC blocks: (start heading text, end heading text), compared after strip_markup.
TOC_BOUNDS = {
    "zh": ("目次", "圖表目次"),
    "en": ("Table of Contents", "List of Figures and Tables"),
}

_PAGE_RE = re.compile(r"(?:\.{2,}|…+|\t)\s*(\d{1,3})\s*$")
_ZH_CHAPTER_RE = re.compile(r"^第([壹貳參肆伍陸柒捌玖拾])章\s*(.+)$")
_CHAPTER_NO_RE = re.compile(r"^\d{2}$")


@dataclass(frozen=True)
class TocEntry:
    """One TOC line: a chapter, a numbered heading (level 1 = 一、/1., level 2 = (一)/(1)) or an appendix part."""

    lang: str
    kind: TocKind
    chapter: int | None  # 1..8 for chapter/heading entries
    level: int  # 0 chapter/appendix, 1, 2
    number: int  # position within its parent (二 -> 2); chapter number for chapters
    title: str  # title text without numbering
    heading: str  # path form: "第肆章 新住民照顧輔導", "二、營造新家鄉安居環境", "(4) Pre-Household ..."
    page: int | None
    line: int  # 1-based line in the corpus
    key: tuple[int, ...] = ()  # numbering path inside the chapter: (2, 4) for 二、>(四)
    section_id: str | None = None  # the body section this entry was matched to (set by the pipeline)

    @property
    def label(self) -> str:
        """Chapter label (第肆章 / Chapter IV); empty for non-chapters."""
        if self.kind != "chapter" or self.chapter is None:
            return ""
        return chapter_label(self.chapter, self.lang)


def chapter_label(n: int, lang: str) -> str:
    return f"第{ZH_CHAPTER_NUMERALS[n - 1]}章" if lang == "zh" else f"Chapter {roman(n)}"


def find_toc_block(lines: list[str], lang: str) -> tuple[int, int] | None:
    """0-based [start, end) of the TOC block for ``lang``, or None when absent."""
    start_text, end_text = TOC_BOUNDS[lang]
    start = None
    for i, raw in enumerate(lines):
        if not raw.lstrip().startswith("#"):
            continue
        s = strip_markup(raw)
        if start is None and s == start_text:
            start = i
        elif start is not None and s == end_text:
            return start, i
    return None


def _split_page(raw: str) -> tuple[str, int | None]:
    """Raw TOC line -> (title text, page) with the page read off the dotted leader / tab."""
    s = re.sub(r"</?b>", "", raw).replace("**", "").rstrip()
    m = _PAGE_RE.search(s)
    if not m:
        return strip_markup(s), None
    title = strip_markup(s[: m.start()])
    title = re.sub(r"[.…\s]+$", "", title)
    return title, int(m.group(1))


def parse_toc(lines: list[str], lang: str) -> list[TocEntry]:
    """All TOC entries for ``lang`` in document order (chapters, headings, appendix parts)."""
    block = find_toc_block(lines, lang)
    if block is None:
        return []
    start, end = block
    # (line index, title, page, raw) for non-empty meaningful lines, wrapped titles joined
    items: list[tuple[int, str, int | None]] = []
    pending: tuple[int, str] | None = None
    idx = list(range(start + 1, end))
    for pos, i in enumerate(idx):
        raw = lines[i]
        if not raw.strip() or re.fullmatch(r"[-\s]+", raw.strip()):
            continue
        title, page = _split_page(raw)
        if not title and page is None:
            continue
        if pending is not None:
            title = f"{pending[1]} {title}".strip()
            i = pending[0]
            pending = None
        if page is None and not _CHAPTER_NO_RE.match(title):
            nxt = _next_nonempty(lines, idx[pos + 1 :] if pos + 1 < len(idx) else [])
            if nxt is not None:
                nxt_title, nxt_page = _split_page(lines[nxt])
                is_chapter_head = _CHAPTER_NO_RE.match(nxt_title) is not None
                if (
                    not is_chapter_head
                    and nxt_page is not None
                    and parse_numbered(nxt_title, lang) is None
                    and (raw.endswith("  ") or parse_numbered(title, lang) is not None)
                ):
                    pending = (i, title)  # title wrapped onto the next line
                    continue
        items.append((i, title, page))

    entries: list[TocEntry] = []
    chapter: int | None = None
    parents: dict[int, int] = {}
    for k, (i, title, page) in enumerate(items):
        if _CHAPTER_NO_RE.match(title):
            continue
        nxt_is_no = k + 1 < len(items) and _CHAPTER_NO_RE.match(items[k + 1][1]) is not None
        zh_ch = _ZH_CHAPTER_RE.match(title) if lang == "zh" else None
        num = parse_numbered(title, lang)
        if page is None and (zh_ch or nxt_is_no):
            if zh_ch:
                chapter = ZH_CHAPTER_NUMERALS.index(zh_ch.group(1)) + 1
                ch_title = zh_ch.group(2).strip()
            else:
                m = re.match(r"^(\d{1,2})\.\s*(.+)$", title)
                if not m:
                    continue
                chapter, ch_title = int(m.group(1)), m.group(2).strip()
            parents = {}
            entries.append(
                TocEntry(
                    lang=lang,
                    kind="chapter",
                    chapter=chapter,
                    level=0,
                    number=chapter,
                    title=ch_title,
                    heading=f"{chapter_label(chapter, lang)} {ch_title}",
                    page=None,
                    line=i + 1,
                    key=(),
                )
            )
            continue
        if num is not None and chapter is not None and num[0] <= 2:
            level, n, t = num
            parents[level] = n
            parents = {lv: v for lv, v in parents.items() if lv <= level}
            key = tuple(parents[lv] for lv in sorted(parents))
            entries.append(
                TocEntry(
                    lang=lang,
                    kind="heading",
                    chapter=chapter,
                    level=level,
                    number=n,
                    title=t,
                    heading=format_heading(level, n, t, lang),
                    page=page,
                    line=i + 1,
                    key=key,
                )
            )
            continue
        if page is not None:
            entries.append(
                TocEntry(
                    lang=lang,
                    kind="appendix",
                    chapter=None,
                    level=0,
                    number=0,
                    title=title,
                    heading=title,
                    page=page,
                    line=i + 1,
                )
            )
    return _with_chapter_pages(entries)


def _next_nonempty(lines: list[str], idx: list[int]) -> int | None:
    for j in idx:
        if lines[j].strip():
            return j
    return None


def _with_chapter_pages(entries: list[TocEntry]) -> list[TocEntry]:
    """A chapter's page is its first heading's page (the TOC prints none for chapters)."""
    from dataclasses import replace

    out = []
    for e in entries:
        if e.kind == "chapter":
            first = next(
                (x.page for x in entries if x.kind == "heading" and x.chapter == e.chapter and x.page), None
            )
            e = replace(e, page=first)
        out.append(e)
    return out
