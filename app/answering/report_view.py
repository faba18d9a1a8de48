"""Read-only lookups over the ingested report that the answerers share: sections, twins, paths, citations."""

from __future__ import annotations

from app.answering.cell_words import build_glossary
from app.records import Citation
from ingest.records import Chunk, Office, Section, Table


class ReportView:
    """Read-only lookups over the ingested report that the answerers need."""

    def __init__(
        self, sections: list[Section], tables: list[Table], offices: list[Office], chunks: list[Chunk]
    ) -> None:
        self.sections = {s.section_id: s for s in sections}
        self.tables = tables
        self.offices = offices
        self.table_by_section = {t.section_id: t for t in tables}
        self.record_sections = set(self.table_by_section) | {o.section_id for o in offices}
        self.glossary = build_glossary(tables)
        # Chunks carry both languages' paths (appendix sections have no twin Section).
        self._paths = {c.section_id: (c.path_zh, c.path_en) for c in chunks}

    def twin(self, section: Section) -> Section | None:
        return self.sections.get(section.aligned_id) if section.aligned_id else None

    def paths(self, section: Section) -> tuple[str, str]:
        """(path_zh, path_en) of a section: its own path plus its aligned twin's."""
        if section.section_id in self._paths:
            return self._paths[section.section_id]
        twin = self.twin(section)
        other = twin.path_str if twin else ""
        return (section.path_str, other) if section.lang == "zh" else (other, section.path_str)

    def citation(self, section: Section, quote: str) -> Citation:
        path_zh, path_en = self.paths(section)
        return Citation(section.section_id, path_zh, path_en, section.page, quote[:400])

    def appendix_citation(self, section_id: str, quote: str, sec: Section | None) -> Citation:
        if sec is None:
            return Citation(section_id, "", "", None, quote)
        return self.citation(sec, quote)
