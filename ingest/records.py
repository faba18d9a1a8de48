"""Typed records that leave the ingest stage (sections, tables, offices, chunks).

Everything downstream (index, app, eval) consumes these; they are frozen so a
stage can never rewrite another stage's data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Lang = Literal["zh", "en"]
ChunkKind = Literal["narrative", "table", "office"]


@dataclass(frozen=True)
class Section:
    """One heading of the report with the body text directly under it.

    ``section_id`` is stable across runs: ``zh/4/2/4`` is 第肆章 > 二、 > (四);
    its English twin is ``en/4/2/4``. Prefaces are ``zh/preface/minister`` and
    ``zh/preface/director``, the colophon ``zh/colophon``; appendix sections
    live under ``appendix/...`` (bilingual, ``lang`` is the language of the
    heading they were read from, i.e. ``zh``).
    """

    section_id: str
    lang: Lang
    level: int  # 0 = chapter / preface / appendix part, 1 = 一、/1., 2 = (一)/(1), ...
    heading: str  # as printed, with its numbering: "(四) 設籍前新住民遭逢特殊境遇相關福利及扶助計畫"
    path: tuple[str, ...]  # chapter label + title, then each heading as printed
    page: int | None
    text: str  # body text directly under this heading (children excluded)
    parent_id: str | None = None
    aligned_id: str | None = None  # the other language's twin, when aligned
    line_start: int = 0  # 1-based line numbers in the corpus file
    line_end: int = 0

    @property
    def path_str(self) -> str:
        return " > ".join(self.path)


@dataclass(frozen=True)
class TableRow:
    label_zh: str
    label_en: str
    cells: tuple[str, ...]  # one per column of the (re-joined) table, as printed


@dataclass(frozen=True)
class Table:
    """An appendix statistics table; split halves are already re-joined by row order."""

    table_id: str  # "table/03"
    section_id: str  # "appendix/tables/03"
    title_zh: str
    title_en: str
    unit_zh: str
    unit_en: str
    columns: tuple[
        str, ...
    ]  # bilingual header per column, group headers joined: "總計 Total / 註冊 Applicants"
    rows: tuple[TableRow, ...]
    page: int | None = None
    was_split: bool = False
    sum_mismatches: tuple[str, ...] = ()  # human-readable descriptions of failed total checks
    # Added by the appendix parser (additive): the row-label column's header ("月份 Month"),
    # each column's group header ("" for single-level columns), and 1-based corpus lines.
    row_header: str = ""
    column_groups: tuple[str, ...] = ()
    column_pages: tuple[int, ...] = ()  # 0 = column printed on the table's first page, 1 = continuation
    line_start: int = 0
    line_end: int = 0

    def cell(self, row_label: str, column: str) -> str | None:
        """Cell by (substring of) row label and column header, or None."""
        for r in self.rows:
            if row_label in r.label_zh or row_label.lower() in r.label_en.lower():
                for name, value in zip(self.columns, r.cells, strict=False):
                    if column in name or column.lower() in name.lower():
                        return value
        return None


@dataclass(frozen=True)
class Office:
    """One NIA office from the appendix directories."""

    office_id: str
    section_id: str  # "appendix/offices/2"
    region_zh: str  # "二、本署北區事務大隊服務據點"
    region_en: str  # "B. NORTHERN ADMINISTRATION CORPS OFFICES"
    group_zh: str  # sub-heading such as "亞太地區單位", or ""
    group_en: str
    name_zh: str
    name_en: str
    address_zh: str
    address_en: str
    phone: str
    fax: str = ""
    area_served: str = ""
    page: int | None = None
    line: int = 0  # 1-based corpus line of the directory row (added by the appendix parser)


@dataclass(frozen=True)
class Chunk:
    """A retrieval unit. Never crosses a section boundary."""

    chunk_id: str
    section_id: str
    kind: ChunkKind
    lang: Lang  # language of ``text`` (appendix chunks are bilingual and use "zh")
    path_zh: str
    path_en: str
    page: int | None
    text: str
    aligned_section_id: str | None = None
    meta: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
