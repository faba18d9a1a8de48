"""Appendix office directories -> ``Office`` records, one per directory row.

The directories are tab-separated rows ``name⇥address⇥phone[⇥fax]`` under region
headings (``## 二、本署北區事務大隊服務據點`` + ``### B. NORTHERN ADMINISTRATION CORPS OFFICES``).
Header rows (``單位( Unit)⇥地址(Address)⇥…``) repeat at every page break; in the
overseas directory their first cell names the group (``亞太地區單位(Asia-Pacific Region Unit)``).
Name and address cells are "中文 English" (some overseas addresses are English only).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.appendix_text import clean_cell, split_bilingual, strip_heading
from ingest.records import Office

_ZH_NUM = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
REGION_ZH = re.compile(r"^([一二三四五六七八九十]+)、\s*(.+?)\s*[：:]?$")
_REGION_EN = re.compile(r"^[A-J]\.\s+[A-Z][A-Z .,'&()-]+$")
_ADDRESS_HEADER = re.compile(r"^地址\s*\(?\s*Address", re.IGNORECASE)


@dataclass(frozen=True)
class Region:
    """One directory (``二、本署北區事務大隊服務據點`` / ``B. NORTHERN ADMINISTRATION CORPS OFFICES``)."""

    number: int
    heading_zh: str  # "二、本署北區事務大隊服務據點" (trailing colon dropped)
    heading_en: str
    line_start: int  # 1-based
    line_end: int

    @property
    def section_id(self) -> str:
        return f"appendix/offices/{self.number}"


@dataclass(frozen=True)
class ParsedOffices:
    regions: list[Region]
    offices: list[Office]
    problems: list[str]


def parse_offices(lines: list[str], start: int, end: int, page: int | None = 137) -> ParsedOffices:
    """Parse the directories in ``lines[start:end]`` (0-based, end exclusive)."""
    problems: list[str] = []
    regions: list[Region] = []
    offices: list[Office] = []
    group_zh = group_en = ""
    seq = 0
    for i in range(start, end):
        raw = lines[i]
        if "\t" not in raw:
            if not raw.lstrip().startswith("#"):
                continue
            text = strip_heading(raw)
            m = REGION_ZH.match(text)
            if m and m.group(1) in _ZH_NUM:
                if regions:
                    regions[-1] = _close(regions[-1], i)
                regions.append(Region(_ZH_NUM[m.group(1)], f"{m.group(1)}、{m.group(2)}", "", i + 1, i + 1))
                group_zh = group_en = ""
                seq = 0
            elif _REGION_EN.match(text) and regions and not regions[-1].heading_en:
                r = regions[-1]
                regions[-1] = Region(r.number, r.heading_zh, text, r.line_start, r.line_end)
            continue
        cells = [clean_cell(c) for c in raw.split("\t")]
        if len(cells) < 3 or not regions:
            problems.append(f"line {i + 1}: directory row outside a region or too short; skipped")
            continue
        if _ADDRESS_HEADER.match(cells[1]):
            zh, en = split_bilingual(cells[0])
            # "單位( Unit)" is a plain header; anything else ("亞太地區單位(...)") names a group.
            group_zh, group_en = ("", "") if zh == "單位" else (zh, en)
            continue
        region = regions[-1]
        seq += 1
        name_zh, name_en = split_bilingual(cells[0])
        addr_zh, addr_en = split_bilingual(cells[1])
        phone = cells[2]
        fax = cells[3] if len(cells) > 3 else ""
        if not phone:
            problems.append(f"line {i + 1}: office {name_zh or name_en} has no phone number")
        offices.append(
            Office(
                office_id=f"office/{region.number}/{seq:02d}",
                section_id=region.section_id,
                region_zh=region.heading_zh,
                region_en=region.heading_en,
                group_zh=group_zh,
                group_en=group_en,
                name_zh=name_zh,
                name_en=name_en,
                address_zh=addr_zh,
                address_en=addr_en,
                phone=phone,
                fax=fax,
                page=page,
                line=i + 1,
            )
        )
    if regions:
        last_line = max((o.line for o in offices if o.section_id == regions[-1].section_id), default=0)
        regions[-1] = _close(regions[-1], max(last_line, regions[-1].line_start))
    for r in regions:
        if not r.heading_en:
            problems.append(f"line {r.line_start}: region {r.heading_zh} has no English heading")
    return ParsedOffices(regions=regions, offices=offices, problems=problems)


def _close(r: Region, end_line: int) -> Region:
    return Region(r.number, r.heading_zh, r.heading_en, r.line_start, max(r.line_start, end_line))
