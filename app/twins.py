"""The other language's text of a citation: the aligned twin section, the twin sentence that states
the same figures, a table cell's bilingual row/column/unit, an office record in both languages.

Used by the chat (one click on a source shows its twin) and by media replies (``--with-original``).
Everything here is report text looked up by ids and figures; nothing is generated.

>>> twins = TwinLookup.from_pipeline(pipeline)
>>> twins.twin(answer.citations[0], answer.lang).text
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from app.answering.figures import figure_values
from app.answering.sentences import split_sentences
from app.conversation import Cell, answered_cell
from app.records import Citation
from ingest.records import Office, Table

TWIN_EXCERPT_CHARS = 600


@dataclass(frozen=True)
class CellView:
    """One table cell with its labels in both languages."""

    title_zh: str
    title_en: str
    row_zh: str
    row_en: str
    column_zh: str
    column_en: str
    unit_zh: str
    unit_en: str
    value: str

    @classmethod
    def of(cls, cell: Cell) -> CellView:
        t = cell.table
        row = cell.row_label
        cols = cell.col_labels
        return cls(
            title_zh=t.title_zh,
            title_en=t.title_en,
            row_zh=row.zh,
            row_en=row.en,
            column_zh=" / ".join(lab.zh or lab.en for lab in cols),
            column_en=" / ".join(lab.en or lab.zh for lab in cols),
            unit_zh=t.unit_zh,
            unit_en=t.unit_en,
            value=t.rows[cell.row].cells[cell.col],
        )

    def line(self, lang: str) -> str:
        """The cell in one language: "Number of Entries and Exits by Place: Aug × Kaohsiung Sea Port = 37,958 Passengers"."""
        if lang == "zh":
            return f"「{self.title_zh}」：{self.row_zh} × {self.column_zh} = {self.value} {self.unit_zh}".rstrip()
        title = self.title_en or self.title_zh
        return f"“{title}”: {self.row_en or self.row_zh} × {self.column_en} = {self.value} {self.unit_en}".rstrip()


@dataclass(frozen=True)
class Twin:
    """The other language's side of a citation."""

    path: str
    page: int | None
    text: str  # an excerpt of the twin section ("" when there is none)
    cell: CellView | None = None  # for a table citation: the cell in both languages
    sentence: str = ""  # the twin sentence stating the same figures as the quote, when found


class TwinLookup:
    """Finds a citation's twin via the ingest records (``aligned_id``, tables, offices)."""

    def __init__(
        self,
        sections: Mapping[str, Any] | None = None,
        tables: Iterable[Table] = (),
        offices: Iterable[Office] = (),
    ) -> None:
        self._sections = dict(sections or {})
        self._tables = {t.section_id: t for t in tables}
        self._offices = list(offices)

    @classmethod
    def from_pipeline(cls, pipeline: Any) -> TwinLookup:
        return cls.from_ingest(getattr(pipeline, "ingest", None))

    @classmethod
    def from_ingest(cls, ingest: Any) -> TwinLookup:
        sections = getattr(ingest, "sections", None) or ()
        return cls(
            {s.section_id: s for s in sections if getattr(s, "section_id", None)},
            getattr(ingest, "tables", None) or (),
            getattr(ingest, "offices", None) or (),
        )

    def cell(self, c: Citation, answer: str = "") -> CellView | None:
        """The table cell a citation's quote (or the answer) states, in both languages."""
        table = self._tables.get(c.section_id)
        if table is None:
            return None
        cell = answered_cell(table, f"{answer} {c.quote}")
        return CellView.of(cell) if cell else None

    def office(self, c: Citation, answer: str = "") -> Office | None:
        text = f"{answer} {c.quote}".lower()
        named = [
            (len(n), o)
            for o in self._offices
            if o.section_id == c.section_id
            for n in (o.name_zh, o.name_en)
            if n and n.lower() in text
        ]
        return max(named, key=lambda x: x[0])[1] if named else None

    def twin(self, c: Citation, lang: str, answer: str = "") -> Twin:
        other = "en" if lang == "zh" else "zh"
        path = c.path_en if other == "en" else c.path_zh
        cell = self.cell(c, answer)
        if cell is not None:
            return Twin(path=path, page=c.page, text="", cell=cell, sentence=cell.line(other))
        office = self.office(c, answer)
        if office is not None:
            return Twin(path=path, page=c.page, text="", sentence=office_line(office, other))
        sec = self._sections.get(c.section_id)
        twin_id = getattr(sec, "aligned_id", None) if sec is not None else None
        if twin_id is None and c.section_id.startswith(f"{lang}/"):
            twin_id = f"{other}/" + c.section_id.split("/", 1)[1]
        twin = self._sections.get(twin_id) if twin_id else None
        if twin is None:
            return Twin(path=path, page=None, text="")
        full = re.sub(r"\s+", " ", getattr(twin, "text", "") or "").strip()
        text = full if len(full) <= TWIN_EXCERPT_CHARS else full[:TWIN_EXCERPT_CHARS].rstrip() + "…"
        return Twin(
            path=path or getattr(twin, "path_str", ""),
            page=getattr(twin, "page", None),
            text=text,
            sentence=twin_sentence(c.quote, full, other),
        )


def twin_sentence(quote: str, twin_text: str, lang: str) -> str:
    """The whole sentence of ``twin_text`` that states the most of the quote's figures ("" if none does)."""
    wanted = {v for v in figure_values(quote) if len(v.split(".")[0]) >= 2}
    if not wanted or not twin_text:
        return ""
    best, best_n = "", 0
    for sentence in split_sentences(twin_text, lang):
        n = len(wanted & figure_values(sentence))
        if n > best_n:
            best, best_n = sentence.strip(), n
    return best


def office_line(o: Office, lang: str) -> str:
    if lang == "zh":
        parts = [
            o.name_zh,
            f"地址：{o.address_zh}" if o.address_zh else "",
            f"電話：{o.phone}" if o.phone else "",
        ]
        return "，".join(p for p in parts if p)
    parts = [
        o.name_en,
        f"address: {o.address_en}" if o.address_en else "",
        f"phone: {o.phone}" if o.phone else "",
    ]
    return ", ".join(p for p in parts if p)
