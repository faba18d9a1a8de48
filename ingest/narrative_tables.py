"""Statistics tables printed inside the narrative chapters (表 3-1 / Table 3-1) as bilingual ``Table`` records.

The report prints such a table twice: in the Chinese chapter under a caption ``表 3-1 …`` and in the
English chapter under ``Table 3-1 …``, each as a tab-separated block (no unit line). The two copies are
one table: column and row labels are joined from both, and their figures must agree.

Each table gets its own section, a child of the narrative section that holds the Chinese caption
(``zh/3/1/3/table-3-1``, path = parent path + caption), because the answerer treats a section a
``Table`` points to as "table only". The parent sections keep their text unchanged (caption and table
lines included), so narrative answers that read figures from the paragraph around the table still can.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ingest.appendix_chunks import MAX_TOKENS, TokenCounter, default_token_counter, table_chunks
from ingest.appendix_text import clean_cell, join_bilingual, strip_heading
from ingest.records import Chunk, Section, Table, TableRow
from ingest.tables import Block, ColumnHead, check_table, parse_block

_CAPTION = {
    "zh": re.compile(r"^表\s*(\d+\s*-\s*\d+)\s+\S"),
    "en": re.compile(r"^Table\s+(\d+\s*-\s*\d+)\s+\S"),
}
_CJK_DIGIT_SPACE = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=\d)|(?<=\d)\s+(?=[\u3400-\u9fff])")


@dataclass(frozen=True)
class _Copy:
    """One language's printing of a captioned table."""

    number: str  # "3-1"
    caption: str  # "表 3-1 112 年及 108 年…" as printed (whitespace collapsed)
    owner: Section  # the narrative section the caption sits in
    block: Block
    line_start: int  # 1-based caption line
    line_end: int  # 1-based last table line


@dataclass(frozen=True)
class NarrativeTables:
    """What :func:`parse_narrative_tables` found."""

    tables: list[Table]
    sections: list[Section]
    chunks: list[Chunk]
    problems: list[str]


def _owner(sections: list[Section], line: int) -> Section | None:
    """The deepest section whose line range holds 1-based ``line``."""
    holding = [s for s in sections if s.line_start <= line <= s.line_end]
    return max(holding, key=lambda s: (s.line_start, s.level), default=None)


def _copies(lines: list[str], sections: list[Section], lang: str) -> list[_Copy]:
    """Every ``表 n-m`` / ``Table n-m`` caption directly followed by a tab-separated block."""
    secs = [s for s in sections if s.lang == lang and s.section_id.startswith(f"{lang}/")]
    if not secs:
        return []
    lo, hi = min(s.line_start for s in secs) - 1, max(s.line_end for s in secs)
    out: list[_Copy] = []
    for i in range(max(lo, 0), min(hi, len(lines))):
        caption = clean_cell(strip_heading(lines[i]))
        m = _CAPTION[lang].match(caption)
        if not m or "\t" in lines[i]:
            continue
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        end = j
        while end < len(lines) and "\t" in lines[end]:
            end += 1
        owner = _owner(secs, i + 1)
        if end == j or owner is None:
            continue  # a caption without a table (figures are captions only) or outside the chapters
        out.append(
            _Copy(
                number=re.sub(r"\s+", "", m.group(1)),
                caption=caption,
                owner=owner,
                block=parse_block(lines, j, end),
                line_start=i + 1,
                line_end=end,
            )
        )
    return out


def _tidy_label(text: str) -> str:
    """``較 108 年 同 期增減`` -> ``較108年同期增減`` (the PDF conversion pads numbers inside Chinese)."""
    return _CJK_DIGIT_SPACE.sub("", text)


def _join_heads(zh: Block, en: Block | None) -> list[ColumnHead]:
    if en is None:
        return list(zh.heads)
    return [
        ColumnHead(join_bilingual(a.group, b.group), join_bilingual(a.sub, b.sub), 0)
        for a, b in zip(zh.heads, en.heads, strict=True)
    ]


def _render(t: Table) -> str:
    """Tab-separated rendering of the table (the table section's body text)."""
    out = [join_bilingual(t.title_zh, t.title_en)]
    if t.unit_zh or t.unit_en:
        out.append(f"單位：{t.unit_zh} Unit: {t.unit_en}".strip())
    out.append("\t".join([t.row_header, *t.columns]))
    out.extend("\t".join([join_bilingual(r.label_zh, r.label_en), *r.cells]) for r in t.rows)
    return "\n".join(out)


def _build(zh: _Copy, en: _Copy | None, problems: list[str]) -> tuple[Table, Section, tuple[str, ...]]:
    """The bilingual Table, its section and its English path (zh only when the copies do not match)."""
    if en is not None and (
        len(en.block.heads) != len(zh.block.heads) or len(en.block.rows) != len(zh.block.rows)
    ):
        problems.append(
            f"table {zh.number}: zh copy (line {zh.line_start}) is {len(zh.block.rows)}x{len(zh.block.heads)}, "
            f"en copy (line {en.line_start}) is {len(en.block.rows)}x{len(en.block.heads)}; using zh only"
        )
        en = None
    if en is not None and en.owner.section_id != zh.owner.aligned_id:
        problems.append(
            f"table {zh.number}: en caption is in {en.owner.section_id}, not in the twin of {zh.owner.section_id}"
        )
    if en is not None:
        for k, (a, b) in enumerate(zip(zh.block.rows, en.block.rows, strict=True)):
            if a != b:
                problems.append(f"table {zh.number}: row {k + 1} figures differ between zh and en copies")
    heads = _join_heads(zh.block, en.block if en else None)
    en_labels = [lab for _, lab in en.block.labels] if en else [""] * len(zh.block.rows)
    rows = tuple(
        TableRow(label_zh=_tidy_label(z), label_en=e, cells=cells)
        for (z, _), e, cells in zip(zh.block.labels, en_labels, zh.block.rows, strict=True)
    )
    parent = zh.owner
    section_id = f"{parent.section_id}/table-{zh.number}"
    en_header = en.block.label_header if en else ""
    table = Table(
        table_id=f"table/{zh.number}",
        section_id=section_id,
        title_zh=zh.caption,
        title_en=en.caption if en else "",
        unit_zh="",
        unit_en="",
        columns=tuple(h.name for h in heads),
        rows=rows,
        page=parent.page,
        row_header=join_bilingual(zh.block.label_header, en_header),
        column_groups=tuple(h.group if h.sub else "" for h in heads),
        column_pages=(0,) * len(heads),
        line_start=zh.line_start,
        line_end=zh.line_end,
    )
    table = replace(table, sum_mismatches=tuple(check_table(table)))
    section = Section(
        section_id=section_id,
        lang="zh",
        level=parent.level + 1,
        heading=zh.caption,
        path=(*parent.path, zh.caption),
        page=parent.page,
        text=_render(table),
        parent_id=parent.section_id,
        line_start=zh.line_start,
        line_end=zh.line_end,
    )
    path_en = (*en.owner.path, en.caption) if en else ()
    return table, section, path_en


def parse_narrative_tables(
    lines: list[str],
    sections: list[Section],
    count_tokens: TokenCounter | None = None,
    max_tokens: int = MAX_TOKENS,
) -> NarrativeTables:
    """Captioned tables of the zh/en chapters -> bilingual tables, their sections and row chunks."""
    count = count_tokens or default_token_counter
    problems: list[str] = []
    en_by_number = {c.number: c for c in _copies(lines, sections, "en")}
    tables: list[Table] = []
    out_sections: list[Section] = []
    chunks: list[Chunk] = []
    for zh in _copies(lines, sections, "zh"):
        en = en_by_number.pop(zh.number, None)
        if en is None:
            problems.append(f"table {zh.number} (line {zh.line_start}): no English copy found")
        table, section, path_en = _build(zh, en, problems)
        tables.append(table)
        out_sections.append(section)
        chunks.extend(table_chunks(table, section.path_str, " > ".join(path_en), count, max_tokens))
    for number, en in en_by_number.items():
        problems.append(f"table {number} (line {en.line_start}): English copy without a Chinese one; skipped")
    for c in chunks:
        if count(c.text) > max_tokens:
            problems.append(f"chunk {c.chunk_id} has {count(c.text)} tokens > {max_tokens}")
    return NarrativeTables(tables=tables, sections=out_sections, chunks=chunks, problems=problems)
