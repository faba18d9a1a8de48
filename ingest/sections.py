"""Body section trees (prefaces + chapters 1-8) for one language, with structure taken from the numbering.

Why numbering and not ``#`` depth: the PDF conversion marks the same level as
``##``, ``###``, ``####``, bold, ``<b>`` or plain text (e.g. ``三、精進查驗職能``
has no markup at all), so the ``#`` count says nothing. Levels are:

- zh: ``一、`` (1) > ``(一)``/``（一）`` (2) > ``1.`` (3) > ``(1)`` (4)
- en: ``1.`` (1) > ``(1)`` (2) > ``i.`` (3) > ``(i)`` (4)

Levels 1-2 are the TOC entries: a body line becomes that section only when its
numbering is the next expected TOC entry's and its title is similar, and the
path uses the TOC's wording. Levels 3-4 are not in the TOC; a numbered line
there is a heading only when it is short and title-like and continues its
siblings' sequence; long numbered paragraphs are body text of their parent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.records import Section
from ingest.text import (
    format_heading,
    has_cjk,
    is_heading_markup,
    is_title_like,
    norm_title,
    parse_numbered,
    strip_markup,
    title_similarity,
)
from ingest.toc import TocEntry, find_toc_block

PREFACES = {
    "zh": [("minister", "部長序"), ("director", "署長序")],
    "en": [("minister", "Preface by the Minister"), ("director", "Foreword by the Director-General")],
}

#: Minimum title similarity for a body line to claim a TOC entry with the same numbering.
TOC_MATCH_MIN_SIMILARITY = 0.45
#: How many TOC entries ahead a body heading may match (an entry missing from the body is skipped).
TOC_LOOKAHEAD = 3

_STRAY_RE = re.compile(r"^(?:\d{1,4}(?: \d{1,4})?|Chapter \d+|-{3,}|[*_]{3,})$")
_TERMINAL = {"zh": "。！？：；」』）)!?:;.", "en": '.!?:;)"”’'}


@dataclass
class _Node:
    level: int
    number: int
    heading: str
    path: tuple[str, ...]
    section_id: str
    page: int | None
    line_start: int
    parent: _Node | None = None
    paras: list[str] = field(default_factory=list)
    children: list[_Node] = field(default_factory=list)
    seen: dict[int, int] = field(default_factory=dict)  # level -> last number seen (heading or not)
    heading_levels: set[int] = field(default_factory=set)  # child levels that became headings
    sealed: bool = False  # last paragraph came from a heading-marked line: never extend it
    line_end: int = 0


@dataclass(frozen=True)
class SectionTree:
    """Sections of one language in document order, plus which TOC entry each was matched to."""

    lang: str
    sections: tuple[Section, ...]
    toc_matches: dict[int, str]  # TocEntry.line -> section_id
    problems: tuple[str, ...] = ()


def find_appendix_start(lines: list[str]) -> int | None:
    """0-based index where the bilingual appendix begins (the ``# 2023 ANNUAL REPORT`` line before ``## 附錄``)."""
    for i, raw in enumerate(lines):
        if raw.lstrip().startswith("#") and strip_markup(raw) == "附錄":
            j = i
            for k in range(i - 1, max(-1, i - 4), -1):
                if lines[k].strip() and "ANNUAL REPORT" in lines[k].upper():
                    j = k
            return j
    return None


def _find_heading(lines: list[str], title: str, start: int, end: int) -> int | None:
    """First markdown heading line in [start, end) whose text equals ``title`` (normalised)."""
    key = norm_title(title)
    for i in range(start, end):
        raw = lines[i]
        if raw.lstrip().startswith(("#", "*")) and norm_title(strip_markup(raw)) == key:
            return i
    return None


def _preface_end(lines: list[str], start: int, limit: int) -> int:
    for i in range(start + 1, limit):
        if lines[i].strip() == "---":
            return i
    return limit


def build_tree(lines: list[str], lang: str, toc: list[TocEntry]) -> SectionTree:
    """Parse prefaces and chapters of ``lang`` into sections, matching ``toc`` entries as it goes."""
    problems: list[str] = []
    block = find_toc_block(lines, lang)
    toc_start, toc_end = block if block else (0, 0)
    other = "en" if lang == "zh" else "zh"
    other_block = find_toc_block(lines, other)
    appendix = find_appendix_start(lines)
    n = len(lines)

    # where this language's material ends: zh ends where the English part begins
    if lang == "zh":
        en_pref = _find_heading(lines, PREFACES["en"][0][1], toc_end, n)
        lang_end = en_pref if en_pref is not None else (other_block[0] if other_block else n)
        # the English cover lines ("National Immigration Agency, Ministry of ...") precede the preface
        for k in range(lang_end - 1, max(toc_end, lang_end - 15), -1):
            if strip_markup(lines[k]).startswith("National Immigration Agency"):
                lang_end = k
        pref_from = 0
    else:
        lang_end = appendix if appendix is not None else n
        zh_block = find_toc_block(lines, "zh")
        pref_from = zh_block[1] if zh_block else 0

    nodes: list[_Node] = []

    # prefaces
    for key, title in PREFACES[lang]:
        lim = toc_start if toc_start > pref_from else lang_end
        i = _find_heading(lines, title, pref_from, lim)
        if i is None:
            problems.append(f"{lang}: preface '{title}' not found")
            continue
        end = _preface_end(lines, i, lim)
        node = _Node(0, 0, title, (title,), f"{lang}/preface/{key}", None, i + 1)
        _collect_text(node, lines, i + 1, end, lang)
        node.line_end = end
        nodes.append(node)

    # chapters, found in order after the TOC by their TOC title
    chapters = [e for e in toc if e.kind == "chapter"]
    starts: list[tuple[TocEntry, int]] = []
    pos = toc_end
    for ch in chapters:
        i = _find_heading(lines, ch.title, pos, lang_end)
        if i is None:
            problems.append(f"{lang}: chapter body '{ch.title}' not found")
            continue
        starts.append((ch, i))
        pos = i + 1

    matches: dict[int, str] = {}
    for k, (ch, i) in enumerate(starts):
        end = starts[k + 1][1] if k + 1 < len(starts) else lang_end
        heads = [e for e in toc if e.kind == "heading" and e.chapter == ch.chapter]
        root = _Node(0, ch.chapter or 0, ch.heading, (ch.heading,), f"{lang}/{ch.chapter}", ch.page, i + 1)
        matches[ch.line] = root.section_id
        _walk_chapter(root, lines, i + 1, end, lang, heads, matches)
        nodes.extend(_flatten(root))

    sections = tuple(_to_section(nd, lang) for nd in nodes)
    ids = [s.section_id for s in sections]
    if len(ids) != len(set(ids)):
        problems.append(f"{lang}: duplicate section ids")
    return SectionTree(lang, sections, matches, tuple(problems))


def _flatten(root: _Node) -> list[_Node]:
    out = [root]
    for c in root.children:
        out.extend(_flatten(c))
    return out


def _to_section(nd: _Node, lang: str) -> Section:
    return Section(
        section_id=nd.section_id,
        lang=lang,  # type: ignore[arg-type]
        level=nd.level,
        heading=nd.heading,
        path=nd.path,
        page=nd.page,
        text="\n".join(p for p in nd.paras if p.strip()),
        parent_id=nd.parent.section_id if nd.parent else None,
        line_start=nd.line_start,
        line_end=nd.line_end or nd.line_start,
    )


def _clean_body_line(raw: str) -> str:
    """Markup-free body line; tab-separated table rows become ``a | b | c`` (empty cells dropped)."""
    s = strip_markup(raw.replace("\t", " | "))
    if "|" in s:
        s = re.sub(r"(?:\s*\|\s*)+", " | ", s).strip(" |")
    return s


def _body_lines(lines: list[str], start: int, end: int) -> list[tuple[int, str, bool]]:
    """(index, cleaned text, marked-as-heading) for the non-empty lines in [start, end).

    A line ending in a markdown hard break (two spaces) is joined with the line right after
    it (wrapped captions). ``marked`` says the raw line carried heading markup (``#``, bold).
    """
    out: list[tuple[int, str, bool]] = []
    carry: tuple[int, str, bool] | None = None
    for i in range(start, end):
        raw = lines[i]
        if not raw.strip():
            if carry:
                out.append(carry)
                carry = None
            continue
        text, marked = _clean_body_line(raw), is_heading_markup(raw)
        if carry:
            text = carry[1] + ("" if has_cjk(carry[1][-1:]) and has_cjk(text[:1]) else " ") + text
            i, marked = carry[0], carry[2] or marked
            carry = None
        if raw.endswith("  ") and i + 1 < end and lines[i + 1].strip():
            carry = (i, text, marked)
            continue
        out.append((i, text, marked))
    if carry:
        out.append(carry)
    return out


def _add_text(node: _Node, text: str, lang: str, joinable: bool, marked: bool = False) -> None:
    """Append a body line; re-join a paragraph the PDF split across a page break.

    A split is recognised when the previous paragraph is long, lacks closing punctuation and
    (en) the new line starts in lower case or with a digit; lines marked as headings
    (bold titles of regulations, ``##`` lines) are never joined to or from.
    """
    if not text or _STRAY_RE.match(text):
        return
    if joinable and not marked and node.paras and not node.sealed:
        prev = node.paras[-1]
        long_enough = len(prev) >= (40 if lang == "zh" else 60)
        table_row = " | " in prev or " | " in text
        continues = lang == "zh" or text[:1].islower() or text[:1].isdigit()
        if (
            long_enough
            and continues
            and not table_row
            and prev[-1] not in _TERMINAL[lang]
            and parse_numbered(text, lang) is None
        ):
            sep = "" if lang == "zh" and not text[:1].isascii() else " "
            node.paras[-1] = prev + sep + text
            return
    node.paras.append(text)
    node.sealed = marked


def _collect_text(node: _Node, lines: list[str], start: int, end: int, lang: str) -> None:
    for _i, text, marked in _body_lines(lines, start, end):
        _add_text(node, text, lang, joinable=True, marked=marked)


def _walk_chapter(
    root: _Node,
    lines: list[str],
    start: int,
    end: int,
    lang: str,
    heads: list[TocEntry],
    matches: dict[int, str],
) -> None:
    cur = root
    ptr = 0

    def open_at(level: int) -> _Node | None:
        nd: _Node | None = cur
        while nd is not None and nd.level >= level and nd is not root:
            if nd.level == level:
                return nd
            nd = nd.parent
        return None

    def ancestor_at(level: int) -> _Node | None:
        """The open node at ``level`` (root is level 0)."""
        nd: _Node | None = cur
        while nd is not None:
            if nd.level == level:
                return nd
            nd = nd.parent
        return None

    def new_child(parent: _Node, level: int, number: int, heading: str, page: int | None, line: int) -> _Node:
        sid = f"{parent.section_id}/{number}"
        child = _Node(level, number, heading, (*parent.path, heading), sid, page, line, parent=parent)
        parent.children.append(child)
        parent.seen[level] = number
        parent.heading_levels.add(level)
        return child

    for i, text, marked in _body_lines(lines, start, end):
        if not text or _STRAY_RE.match(text):
            continue
        num = parse_numbered(text, lang)
        if num is not None and num[0] <= 2:
            level, number, title = num
            hit = None
            for k in range(ptr, min(ptr + TOC_LOOKAHEAD, len(heads))):
                e = heads[k]
                if (e.level, e.number) == (level, number) and (
                    title_similarity(title, e.title) >= TOC_MATCH_MIN_SIMILARITY
                ):
                    hit = k
                    break
            if hit is not None:
                e = heads[hit]
                ptr = hit + 1
                parent = root if level == 1 else ancestor_at(1)
                if parent is None:
                    parent = root
                cur.line_end = i
                cur = new_child(parent, level, number, e.heading, e.page, i + 1)
                # same numbering key as the TOC (a level-2 entry lives under its level-1 parent)
                if len(e.key) == level:
                    cur.section_id = f"{root.section_id}/" + "/".join(str(x) for x in e.key)
                matches[e.line] = cur.section_id
                continue
        if num is not None and num[0] >= 3:
            level, number, title = num
            parent = ancestor_at(level - 1)
            if parent is not None and parent is not root:
                expected = parent.seen.get(level, 0) + 1
                if number == expected:
                    head_title, rest = title, ""
                    ok = is_title_like(title, lang)
                    if not ok and level in parent.heading_levels:
                        head_title, rest = _split_first_sentence(title, lang)
                        ok = bool(rest) and is_title_like(head_title, lang) and _short_head(head_title, lang)
                    if ok:
                        cur.line_end = i
                        heading = format_heading(level, number, head_title, lang)
                        cur = new_child(parent, level, number, heading, parent.page, i + 1)
                        if rest:
                            _add_text(cur, rest, lang, joinable=False)
                        continue
                    parent.seen[level] = number
                    # a long item that continues a heading sibling belongs to the common parent
                    if open_at(level) is not None:
                        cur.line_end = i
                        cur = parent
                    _add_text(cur, text, lang, joinable=False)
                    continue
        _add_text(cur, text, lang, joinable=True, marked=marked)
    cur.line_end = end
    # close every open node at the chapter end
    nd: _Node | None = cur
    while nd is not None:
        nd.line_end = nd.line_end or end
        nd = nd.parent


def _short_head(title: str, lang: str) -> bool:
    """A first sentence split off a long item is a heading only when it is very short."""
    return len(title) <= 20 if lang == "zh" else len(title.split()) <= 10


def _split_first_sentence(title: str, lang: str) -> tuple[str, str]:
    """``"Legal seminars and ... cases. In 2023, ..."`` -> (``"Legal seminars ... cases"``, ``"In 2023, ..."``)."""
    if lang == "zh":
        m = re.search(r"[。：:]", title)
    else:
        m = re.search(r"(?<=[a-z)])\.\s+(?=[A-Z0-9])", title)
    if not m:
        return title, ""
    return title[: m.start()].strip(), title[m.end() :].strip()
