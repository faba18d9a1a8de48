"""`nia-qa eval --check FILE`: validate an eval set before anyone trusts a score on it.

Errors (exit 1): schema, unknown type/lang, duplicate ids, an answerable item with an
empty ``must_include`` or whose own ``answer`` fails it (DESIGN grading), a
``section_zh``/``section_en`` whose last segment is in no ingested section path, an
empty ``section_en`` although the Chinese section has an English twin (allowed only
for Chinese-only sections such as the colophon), a question not in its ``lang``.
Warnings: a full path that matches no section exactly, zh/en sections that are not
twins, repeated questions.

For a blind set (``blind=True``) the report names only line numbers, ids and problem levels, plus
the counts by type and language: never a message that could quote an item.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from eval.dataset import EvalItem, parse_lines
from eval.grading import MAX_ANSWER_CHARS, answer_matches, last_segment, normalise

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")


@dataclass(frozen=True)
class SectionRef:
    """A citable place in the report: its Chinese path and its English twin's path ("" when none)."""

    path_zh: str
    path_en: str


@dataclass(frozen=True)
class Problem:
    line: int
    level: Literal["error", "warning"]
    message: str
    item_id: str = ""

    def format(self, path: Path | str, blind: bool = False) -> str:
        who = f" [{self.item_id}]" if self.item_id else ""
        if blind:
            return f"{path}:{self.line}:{who} {self.level}"
        return f"{path}:{self.line}:{who} {self.level}: {self.message}"


@dataclass
class CheckReport:
    path: Path
    n_items: int = 0
    problems: list[Problem] = field(default_factory=list)
    by_type: Counter[str] = field(default_factory=Counter)
    by_lang: Counter[str] = field(default_factory=Counter)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors


def build_catalog(sections: Iterable[Any], chunks: Iterable[Any] = ()) -> list[SectionRef]:
    """Section references from ingest ``Section`` records (``section_id``, ``lang``, ``path_str``,
    ``aligned_id``) and, optionally, ``Chunk`` records (their ``path_zh``/``path_en`` pairs cover the
    bilingual appendix, whose sections are read from the Chinese headings)."""
    sections = list(sections)
    by_id = {s.section_id: s for s in sections}
    refs: dict[tuple[str, str], None] = {}
    for s in sections:
        twin = by_id.get(s.aligned_id) if s.aligned_id else None
        if s.lang == "zh":
            refs[(s.path_str, twin.path_str if twin is not None else "")] = None
        elif twin is None:  # English section without a Chinese twin
            refs[("", s.path_str)] = None
    for c in chunks:
        refs[(c.path_zh or "", c.path_en or "")] = None
    # Appendix sections carry only their Chinese path; their chunks pair it with the
    # English one. Keep a one-sided ref only when that path has no pair anywhere.
    zh_paired = {zh for zh, en in refs if zh and en}
    en_paired = {en for zh, en in refs if zh and en}
    return [
        SectionRef(zh, en)
        for zh, en in refs
        if (zh and en) or (zh and zh not in zh_paired) or (en and not zh and en not in en_paired)
    ]


def _resolve(item: EvalItem, catalog: Sequence[SectionRef], line: int) -> list[Problem]:
    out: list[Problem] = []

    def err(msg: str) -> None:
        out.append(Problem(line, "error", msg, item.id))

    def warn(msg: str) -> None:
        out.append(Problem(line, "warning", msg, item.id))

    zh_seg, en_seg = last_segment(item.section_zh), last_segment(item.section_en)
    if item.answerable and not zh_seg and not en_seg:
        err("answerable item has neither section_zh nor section_en")
        return out
    zh_hits = [r for r in catalog if zh_seg and zh_seg in normalise(r.path_zh)]
    en_hits = [r for r in catalog if en_seg and en_seg in normalise(r.path_en)]
    if zh_seg and not zh_hits:
        err(f"section_zh not found in the ingested sections: {item.section_zh!r}")
    if en_seg and not en_hits:
        err(f"section_en not found in the ingested sections: {item.section_en!r}")

    # An empty side is allowed only when the named section has no twin in that language.
    for own, own_hits, other_attr, other_name, full in (
        (zh_seg, zh_hits, "path_en", "section_en", item.section_zh),
        (en_seg, en_hits, "path_zh", "section_zh", item.section_en),
    ):
        if not own or not own_hits or last_segment(getattr(item, other_name)):
            continue
        own_attr = "path_zh" if other_attr == "path_en" else "path_en"
        exact = [r for r in own_hits if normalise(getattr(r, own_attr)) == normalise(full)]
        twins = sorted({getattr(r, other_attr) for r in (exact or own_hits) if getattr(r, other_attr)})
        if twins:
            err(f"{other_name} is empty but the section has a twin: {twins[0]!r}")

    for seg_hits, full, name, attr in (
        (zh_hits, item.section_zh, "section_zh", "path_zh"),
        (en_hits, item.section_en, "section_en", "path_en"),
    ):
        if seg_hits and not any(normalise(getattr(r, attr)) == normalise(full) for r in seg_hits):
            closest = getattr(seg_hits[0], attr)
            warn(f"{name} matches no section path exactly (its last segment is in {closest!r})")
    if zh_hits and en_hits and not any(r in en_hits for r in zh_hits):
        warn("section_zh and section_en are not twins of one section")
    return out


def _check_item(item: EvalItem, catalog: Sequence[SectionRef], line: int) -> list[Problem]:
    out: list[Problem] = []

    def err(msg: str) -> None:
        out.append(Problem(line, "error", msg, item.id))

    if item.answerable:
        blanks = [s for s in item.must_include if not normalise(s)]
        if not item.must_include or len(blanks) == len(item.must_include):
            err("answerable item has an empty must_include")
        elif blanks:
            err("must_include contains an empty string")
        if item.must_include and not answer_matches(item.answer, item.must_include):
            if len(item.answer) > MAX_ANSWER_CHARS:
                err(f"answer is longer than {MAX_ANSWER_CHARS} characters ({len(item.answer)})")
            else:
                err("answer does not contain any of its own must_include strings")
        if not item.answer.strip():
            err("answerable item has an empty answer")
    cjk, latin = len(_CJK.findall(item.question)), len(_LATIN.findall(item.question))
    if item.lang == "zh" and cjk == 0:
        err("lang is 'zh' but the question has no Chinese characters")
    if item.lang == "en" and cjk > latin:
        err("lang is 'en' but the question is mostly Chinese")
    out.extend(_resolve(item, catalog, line))
    return out


def check_file(path: Path, catalog: Sequence[SectionRef]) -> CheckReport:
    """Validate every line of an eval set against the schema and the section catalog."""
    report = CheckReport(path=Path(path))
    first_line: dict[str, int] = {}
    questions: dict[str, int] = {}
    for lineno, item, problem in parse_lines(path):
        if problem is not None:
            report.problems.append(Problem(lineno, "error", problem))
            continue
        assert item is not None
        report.n_items += 1
        report.by_type[item.type] += 1
        report.by_lang[item.lang] += 1
        if item.id in first_line:
            report.problems.append(
                Problem(lineno, "error", f"duplicate id (first on line {first_line[item.id]})", item.id)
            )
        else:
            first_line[item.id] = lineno
        q = normalise(item.question)
        if q in questions:
            report.problems.append(
                Problem(lineno, "warning", f"same question as line {questions[q]}", item.id)
            )
        else:
            questions[q] = lineno
        report.problems.extend(_check_item(item, catalog, lineno))
    if report.n_items == 0 and not report.problems:
        report.problems.append(Problem(0, "error", "no items"))
    report.problems.sort(key=lambda p: (p.line, p.level != "error"))
    return report


def format_report(report: CheckReport, blind: bool = False) -> str:
    """One line per problem, then the counts; ``blind``: errors by line and id only, warnings counted."""
    shown = report.errors if blind else report.problems
    lines = [p.format(report.path, blind) for p in shown]
    types = ", ".join(f"{t} {n}" for t, n in sorted(report.by_type.items()))
    langs = ", ".join(f"{lang} {n}" for lang, n in sorted(report.by_lang.items()))
    lines.append(
        f"{report.path}: {report.n_items} items ({langs}; {types}): "
        f"{len(report.errors)} error(s), {len(report.warnings)} warning(s)"
        + (" (blind set: problem texts withheld)" if blind else "")
        + ("" if report.ok else " -- FAILED")
    )
    return "\n".join(lines)


def load_catalog(corpus_path: Path, ingest_dir: Path) -> list[SectionRef]:
    """Section references from the ingest output, (re)built first when missing or stale."""
    from ingest.pipeline import ensure_ingest, print_progress

    result = ensure_ingest(Path(corpus_path), Path(ingest_dir), print_progress)
    return build_catalog(result.sections, result.chunks)
