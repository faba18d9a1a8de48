"""The bilingual appendix (附錄) and the colophon (版權頁): sections, tables, offices and their chunks.

Entry point for the ingest pipeline::

    result = parse_appendix(lines, start)  # start: 0-based index of "# 2023 ANNUAL REPORT" before "## 附錄"

Layout of the appendix in the report (found by content, not line numbers):
a mini table of contents (zh heading + English line), the organisation chart
caption, the office directories (``一、…服務據點`` … ``五、…``), a map caption
(``各事務大隊及所屬站隊收容所分布圖``), the statistics tables, and finally the
Chinese-only colophon (CIP data, ISBN, 定價, 出版機關 …).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.appendix_chunks import (
    MAX_TOKENS,
    TokenCounter,
    default_token_counter,
    office_chunk,
    table_chunks,
    text_chunks,
)
from ingest.appendix_text import clean_cell, has_cjk, join_bilingual, strip_heading
from ingest.offices import REGION_ZH, parse_offices
from ingest.records import Chunk, Office, Section, Table
from ingest.tables import parse_tables

APPENDIX_ZH, APPENDIX_EN = "附錄", "Appendix"
COLOPHON_ZH = "版權頁"
# TOC-form names of the appendix parts; the English ones are replaced by the report's own
# mini table of contents when it is found.
_PARTS = {
    "orgchart": ("組織架構圖", "Organizational Structure"),
    "offices": ("本署國內、外服務據點", "NIA Domestic and Overseas Office Location"),
    "tables": ("重要業務統計", "Statistics on key Policy Achievements"),
}
_DEFAULT_PAGES = {"appendix": 135, "orgchart": 136, "offices": 137, "tables": 143}
_TOC_LINE = re.compile(r"^(.*?)\s*\.{3,}\s*(\d+)\s*$")


@dataclass(frozen=True)
class AppendixResult:
    """Everything read from the appendix and colophon; ``paths_en`` maps section_id -> English path."""

    sections: list[Section]
    tables: list[Table]
    offices: list[Office]
    chunks: list[Chunk]
    problems: list[str]
    paths_en: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _toc_pages(lines: list[str], end: int) -> dict[str, int]:
    """Printed pages of the appendix parts from the Chinese TOC (``附錄 ..... 135``)."""
    pages: dict[str, int] = {}
    for raw in lines[:end]:
        text = re.sub(r"<[^>]+>", "", raw).replace("\t", " ").strip()
        m = _TOC_LINE.match(text)
        if not m:
            continue
        title, page = m.group(1).strip(), int(m.group(2))
        key = None
        if title == APPENDIX_ZH:
            key = "appendix"
        elif title.startswith("組織架構"):
            key = "orgchart"
        elif "服務據點" in title:
            key = "offices"
        elif title.startswith("重要業務統計"):
            key = "tables"
        if key and key not in pages:
            pages[key] = page
    return pages


def _find(lines: list[str], start: int, end: int, pred) -> int | None:
    return next((i for i in range(start, end) if pred(lines[i])), None)


def _is_heading(line: str) -> bool:
    return line.lstrip().startswith("#")


def parse_appendix(
    lines: list[str],
    start: int,
    count_tokens: TokenCounter | None = None,
    max_tokens: int = MAX_TOKENS,
) -> AppendixResult:
    """Parse the appendix from ``lines[start:]`` (0-based) into sections, tables, offices and chunks."""
    count = count_tokens or default_token_counter
    problems: list[str] = []
    n = len(lines)
    pages = _toc_pages(lines, start)
    for key, default in _DEFAULT_PAGES.items():
        if key not in pages:
            problems.append(f"appendix: TOC page of '{key}' not found; using {default}")
            pages[key] = default

    first_region = _find(
        lines,
        start,
        n,
        lambda ln: _is_heading(ln) and bool(REGION_ZH.match(strip_heading(ln))) and "服務據點" in ln,
    )
    if first_region is None:
        problems.append("appendix: no office directory heading (一、…服務據點) found")
        first_region = start
    offices_end = _find(lines, first_region + 1, n, lambda ln: ln.startswith("# ")) or n
    colophon_start = _find(lines, offices_end, n, lambda ln: "預行編目" in ln)
    if colophon_start is None:
        colophon_start = _find(lines, offices_end, n, lambda ln: ln.startswith("ISBN"))
    if colophon_start is None:
        problems.append("appendix: colophon (版權頁 / CIP block) not found")
        colophon_start = n

    parts_en = _mini_toc(lines, start, first_region)
    part = {k: (zh, parts_en.get(zh, en)) for k, (zh, en) in _PARTS.items()}
    off_zh, off_en = part["offices"]
    tab_zh, tab_en = part["tables"]

    sections: list[Section] = []
    paths_en: dict[str, tuple[str, ...]] = {}
    chunks: list[Chunk] = []

    def add(sec: Section, path_en: tuple[str, ...]) -> None:
        sections.append(sec)
        paths_en[sec.section_id] = path_en

    # Appendix root and the organisation chart caption.
    mini = "\n".join(
        join_bilingual(zh, en)
        for zh, en in [(APPENDIX_ZH, APPENDIX_EN), *(part[k] for k in ("orgchart", "offices", "tables"))]
    )
    add(
        Section(
            "appendix",
            "zh",
            0,
            APPENDIX_ZH,
            (APPENDIX_ZH,),
            pages["appendix"],
            mini,
            None,
            line_start=start + 1,
            line_end=first_region,
        ),
        (APPENDIX_EN,),
    )
    org_line = _find(lines, start, first_region, lambda ln: _is_heading(ln) and "組織架構圖" in ln)
    if org_line is not None:
        org_zh, org_en = part["orgchart"]
        caption = clean_cell(strip_heading(lines[org_line]))
        add(
            Section(
                "appendix/orgchart",
                "zh",
                1,
                org_zh,
                (APPENDIX_ZH, org_zh),
                pages["orgchart"],
                f"{caption}（圖表 figure）",
                "appendix",
                line_start=org_line + 1,
                line_end=org_line + 1,
            ),
            (APPENDIX_EN, org_en),
        )
    else:
        problems.append("appendix: organisation chart caption (組織架構圖) not found")

    # Office directories.
    off_head = _find(lines, start, first_region, lambda ln: ln.startswith("# ") and "服務據點" in ln)
    parsed_off = parse_offices(lines, first_region, offices_end, page=pages["offices"])
    problems.extend(parsed_off.problems)
    off_intro = (
        clean_cell(strip_heading(lines[off_head])) if off_head is not None else join_bilingual(off_zh, off_en)
    )
    region_list = "\n".join(join_bilingual(r.heading_zh, r.heading_en) for r in parsed_off.regions)
    add(
        Section(
            "appendix/offices",
            "zh",
            1,
            off_zh,
            (APPENDIX_ZH, off_zh),
            pages["offices"],
            f"{off_intro}\n{region_list}",
            "appendix",
            line_start=(off_head if off_head is not None else first_region) + 1,
            line_end=offices_end,
        ),
        (APPENDIX_EN, off_en),
    )
    for r in parsed_off.regions:
        rows = [o for o in parsed_off.offices if o.section_id == r.section_id]
        body = "\n".join(
            "\t".join(
                [
                    join_bilingual(o.name_zh, o.name_en),
                    join_bilingual(o.address_zh, o.address_en),
                    o.phone,
                    o.fax,
                ]
            )
            for o in rows
        )
        add(
            Section(
                r.section_id,
                "zh",
                2,
                r.heading_zh,
                (APPENDIX_ZH, off_zh, r.heading_zh),
                pages["offices"],
                body,
                "appendix/offices",
                line_start=r.line_start,
                line_end=r.line_end,
            ),
            (APPENDIX_EN, off_en, r.heading_en or r.heading_zh),
        )

    # Statistics tables (and the map caption printed just before them).
    parsed_tab = parse_tables(lines, offices_end, colophon_start, page=pages["tables"])
    problems.extend(parsed_tab.problems)
    if not parsed_tab.tables:
        problems.append("appendix: no statistics tables found")
    map_end = parsed_tab.first_title_index if parsed_tab.first_title_index is not None else colophon_start
    map_sec = _map_section(lines, offices_end, map_end, off_zh)
    if map_sec is not None:
        add(map_sec, (APPENDIX_EN, off_en, map_sec.heading))
    add(
        Section(
            "appendix/tables",
            "zh",
            1,
            tab_zh,
            (APPENDIX_ZH, tab_zh),
            pages["tables"],
            "\n".join(join_bilingual(t.title_zh, t.title_en) for t in parsed_tab.tables),
            "appendix",
            line_start=(parsed_tab.tables[0].line_start if parsed_tab.tables else offices_end + 1),
            line_end=colophon_start,
        ),
        (APPENDIX_EN, tab_en),
    )
    for t in parsed_tab.tables:
        add(
            Section(
                t.section_id,
                "zh",
                2,
                t.title_zh,
                (APPENDIX_ZH, tab_zh, t.title_zh),
                t.page,
                _render(t),
                "appendix/tables",
                line_start=t.line_start,
                line_end=t.line_end,
            ),
            (APPENDIX_EN, tab_en, t.title_en or t.title_zh),
        )

    # Colophon (Chinese only, no English path).
    colophon = _colophon(lines, colophon_start)
    if colophon is not None:
        sections.append(colophon)
        paths_en[colophon.section_id] = ()

    # Chunks.
    by_id = {s.section_id: s for s in sections}
    for s in sections:
        if (
            s.section_id.startswith(("appendix/tables/", "appendix/offices/"))
            and s.section_id != "appendix/offices/map"
        ):
            continue
        chunks.extend(text_chunks(s, " > ".join(paths_en[s.section_id]), count, max_tokens))
    for t in parsed_tab.tables:
        chunks.extend(
            table_chunks(
                t, by_id[t.section_id].path_str, " > ".join(paths_en[t.section_id]), count, max_tokens
            )
        )
    for o in parsed_off.offices:
        chunks.append(
            office_chunk(o, by_id[o.section_id].path_str, " > ".join(paths_en[o.section_id]), off_zh, off_en)
        )
    for c in chunks:
        if count(c.text) > max_tokens:
            problems.append(f"chunk {c.chunk_id} has {count(c.text)} tokens > {max_tokens}")
    return AppendixResult(
        sections=sections,
        tables=parsed_tab.tables,
        offices=parsed_off.offices,
        chunks=chunks,
        problems=problems,
        paths_en=paths_en,
    )


def _mini_toc(lines: list[str], start: int, end: int) -> dict[str, str]:
    """The appendix's own contents list: ``### 組織架構`` followed by ``Organizational Structure``."""
    out: dict[str, str] = {}
    i = start
    while i < end:
        if _is_heading(lines[i]) and has_cjk(lines[i]):
            zh = strip_heading(lines[i])
            j = i + 1
            while j < end and not lines[j].strip():
                j += 1
            if j < end and not _is_heading(lines[j]) and lines[j].strip() and not has_cjk(lines[j]):
                en = clean_cell(lines[j])
                for pzh, _ in _PARTS.values():
                    if pzh.startswith(zh) and zh:  # "組織架構" heads "組織架構圖"
                        out[pzh] = en
            i = j
        else:
            i += 1
    return out


def _map_section(lines: list[str], start: int, end: int, off_zh: str) -> Section | None:
    """The office distribution map: only a caption and its legend survive the conversion."""
    cap = _find(lines, start, end, lambda ln: _is_heading(ln) and "圖" in ln)
    if cap is None:
        return None
    body = [clean_cell(strip_heading(ln)).lstrip("-* ").strip() for ln in lines[start:end] if ln.strip()]
    heading = clean_cell(strip_heading(lines[cap]))
    legend = [b for b in body if b and b != heading]
    text = f"{heading}（圖表 figure）\n" + "\n".join(legend)
    return Section(
        "appendix/offices/map",
        "zh",
        2,
        heading,
        (APPENDIX_ZH, off_zh, heading),
        None,
        text,
        "appendix/offices",
        line_start=start + 1,
        line_end=end,
    )


def _render(t: Table) -> str:
    """Plain tab-separated rendering of a re-joined table (section body text)."""
    out = [join_bilingual(t.title_zh, t.title_en), f"單位：{t.unit_zh} Unit: {t.unit_en}"]
    out.append("\t".join([t.row_header, *t.columns]))
    for r in t.rows:
        out.append("\t".join([join_bilingual(r.label_zh, r.label_en), *r.cells]))
    return "\n".join(out)


def _colophon(lines: list[str], start: int) -> Section | None:
    """The Chinese-only colophon: from the CIP block to the last line with Chinese text."""
    if start >= len(lines):
        return None
    last = max((i for i in range(start, len(lines)) if has_cjk(lines[i])), default=None)
    if last is None:
        return None
    body = [clean_cell(strip_heading(ln)) for ln in lines[start : last + 1]]
    body = [b for b in body if b and b != "---"]
    return Section(
        "zh/colophon",
        "zh",
        0,
        COLOPHON_ZH,
        (COLOPHON_ZH,),
        None,
        "\n".join(body),
        None,
        line_start=start + 1,
        line_end=last + 1,
    )
