"""The ingest stage end to end: corpus file -> sections, tables, offices, chunks on disk, with a manifest.

>>> result = run_ingest(DEFAULT_CORPUS_PATH, DEFAULT_BUILD_DIR / "ingest")
>>> result.section("zh/4/2/4").page
25
>>> load_ingest(DEFAULT_BUILD_DIR / "ingest").stats["aligned_pairs"]  # doctest: +SKIP

Output (``out_dir``): ``sections.jsonl``, ``tables.json``, ``offices.jsonl``,
``chunks.jsonl``, ``toc.jsonl``, ``manifest.json``. They are written into a
temporary sibling directory and renamed into place, so a failed run never
leaves a half-written ``out_dir``. The manifest records the sha256 of every
other file; :func:`load_ingest` checks them, and :func:`ensure_ingest` rebuilds
(with one line on stderr) output that was edited, truncated or is unreadable.
Only one process builds a directory at a time (:func:`ingest.lock.build_lock`).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from ingest.align import align_sections
from ingest.chunker import CHUNKER_VERSION, chunk_sections
from ingest.corpus import EXPECTED_CORPUS_SHA256, sha256_file
from ingest.errors import UserError
from ingest.lock import build_lock
from ingest.narrative_tables import parse_narrative_tables
from ingest.records import Chunk, Office, Section, Table, TableRow
from ingest.sections import build_tree, find_appendix_start
from ingest.text import title_similarity
from ingest.toc import TocEntry, parse_toc

#: Bump when section parsing / output layout changes (chunking has its own CHUNKER_VERSION).
INGEST_VERSION = "2"  # 2: captioned tables of the chapters (表 3-1) become tables with their own section

FILES = ("sections.jsonl", "tables.json", "offices.jsonl", "chunks.jsonl", "toc.jsonl", "manifest.json")
DATA_FILES = FILES[:-1]  # the files whose sha256 the manifest records
LOCK_FILE = ".lock-ingest"  # in the parent of the output directory


class IngestCorrupt(UserError):
    """Ingest output that does not match its manifest (edited, truncated) or cannot be read."""


Progress = Callable[[str], None]


@dataclass(frozen=True)
class IngestResult:
    """Everything the ingest stage produced; the one object later stages read."""

    sections: tuple[Section, ...]
    tables: tuple[Table, ...]
    offices: tuple[Office, ...]
    chunks: tuple[Chunk, ...]
    toc: tuple[TocEntry, ...]
    stats: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    manifest: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @cached_property
    def _sections_by_id(self) -> dict[str, Section]:
        return {s.section_id: s for s in self.sections}

    @cached_property
    def _chunks_by_section(self) -> dict[str, list[Chunk]]:
        out: dict[str, list[Chunk]] = {}
        for c in self.chunks:
            out.setdefault(c.section_id, []).append(c)
        return out

    def section(self, section_id: str) -> Section | None:
        return self._sections_by_id.get(section_id)

    def twin(self, section_id: str) -> Section | None:
        """The other language's aligned section, if any."""
        s = self.section(section_id)
        return self.section(s.aligned_id) if s and s.aligned_id else None

    def chunks_for(self, section_id: str) -> list[Chunk]:
        return list(self._chunks_by_section.get(section_id, []))

    def sections_in(self, lang: str) -> list[Section]:
        """Narrative sections of one language (appendix sections excluded)."""
        return [s for s in self.sections if s.section_id.startswith(f"{lang}/")]

    def table(self, table_id: str) -> Table | None:
        return next((t for t in self.tables if t.table_id == table_id), None)


# ---------------------------------------------------------------- reading the corpus


def read_corpus_lines(corpus_path: Path) -> list[str]:
    """The corpus as lines (no newlines), or a one-line :class:`UserError` for a missing/empty/binary/non-UTF-8 file."""
    p = Path(corpus_path)
    if not p.exists():
        raise UserError(f"corpus not found: {p}")
    if not p.is_file():
        raise UserError(f"corpus is not a file: {p}")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read corpus {p}: {exc.strerror or exc}") from None
    if not data.strip():
        raise UserError(f"corpus is empty: {p}")
    if b"\x00" in data:
        raise UserError(f"corpus looks binary (contains NUL bytes), expected UTF-8 markdown: {p}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserError(f"corpus is not UTF-8 text (bad byte at offset {exc.start}): {p}") from None
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


# ---------------------------------------------------------------- the stage


def _appendix(
    lines: list[str], start: int | None
) -> tuple[list[Section], list[Table], list[Office], list[Chunk], list[str]]:
    """Appendix tables/offices/colophon from ``ingest.appendix`` (guarded: the module may be absent)."""
    if start is None:
        return [], [], [], [], ["appendix not found (no '## 附錄' heading)"]
    try:
        from ingest.appendix import parse_appendix
    except ImportError as exc:  # pragma: no cover - only while the appendix parser is not in the tree
        return [], [], [], [], [f"appendix parser unavailable: {exc}"]
    res = parse_appendix(lines, start)
    return list(res.sections), list(res.tables), list(res.offices), list(res.chunks), list(res.problems)


def _match_appendix_toc(toc: dict[str, list[TocEntry]], sections: list[Section]) -> dict[int, str]:
    """Appendix TOC lines (附錄, 本署國、內外服務據點, …) -> the appendix section they point to.

    Chinese lines match the appendix section with the most similar title (the TOC says
    本署國、內外服務據點, the body 本署國內、外服務據點) and the same page. The English TOC
    lists the same parts in the same order and pages, so its k-th line maps where the
    Chinese k-th line did.
    """
    out: dict[int, str] = {}
    app = [s for s in sections if s.section_id.startswith("appendix")]
    if not app:
        return out
    zh_app = [e for e in toc.get("zh", []) if e.kind == "appendix"]
    en_app = [e for e in toc.get("en", []) if e.kind == "appendix"]
    for e in zh_app:
        cands = [s for s in app if s.page is None or e.page is None or s.page == e.page]
        if not cands:
            continue
        best = max(cands, key=lambda s: (title_similarity(e.title, s.path[-1]), -s.level))
        if title_similarity(e.title, best.path[-1]) >= 0.6:
            out[e.line] = best.section_id
    for z, e in zip(zh_app, en_app, strict=False):
        if z.line in out and z.page == e.page:
            out[e.line] = out[z.line]
    return out


def build(lines: list[str], progress: Progress | None = None) -> IngestResult:
    """Parse corpus lines into an :class:`IngestResult` (no I/O). Raises UserError on unrecognisable structure."""
    say = progress or (lambda _m: None)
    toc: dict[str, list[TocEntry]] = {lang: parse_toc(lines, lang) for lang in ("zh", "en")}
    for lang, label in (("zh", "目次"), ("en", "Table of Contents")):
        if not any(e.kind == "chapter" for e in toc[lang]):
            raise UserError(
                f"unrecognised corpus structure: no {lang} table of contents with chapters ('# {label}')"
            )
    say(f"toc: zh {len(toc['zh'])} entries, en {len(toc['en'])} entries")
    trees = {lang: build_tree(lines, lang, toc[lang]) for lang in ("zh", "en")}
    for lang, tree in trees.items():
        if not any(
            s.level == 0 and not s.section_id.split("/")[1].startswith("preface") for s in tree.sections
        ):
            raise UserError(
                f"unrecognised corpus structure: no {lang} chapter bodies matching the table of contents"
            )
    say(f"sections: zh {len(trees['zh'].sections)}, en {len(trees['en'].sections)}")
    alignment = align_sections(list(trees["zh"].sections), list(trees["en"].sections))
    say(f"aligned pairs: {len(alignment.pairs)}; unaligned: {len(alignment.unaligned)}")
    app_secs, tables, offices, app_chunks, app_problems = _appendix(lines, find_appendix_start(lines))
    say(f"appendix: {len(tables)} tables, {len(offices)} offices, {len(app_secs)} sections")
    chapter_tables = parse_narrative_tables(lines, list(alignment.sections))
    tables = [*tables, *chapter_tables.tables]
    say(f"chapter tables: {len(chapter_tables.tables)}")
    narrative = chunk_sections(alignment.sections)
    chunks = [*narrative, *chapter_tables.chunks, *app_chunks]
    say(
        f"chunks: {len(narrative)} narrative, {len(chapter_tables.chunks)} chapter-table, "
        f"{len(app_chunks)} appendix"
    )

    sections = [*alignment.sections, *chapter_tables.sections, *app_secs]
    app_matches = _match_appendix_toc(toc, app_secs)
    matched = {lang: {**trees[lang].toc_matches, **app_matches} for lang in ("zh", "en")}
    stats = _stats(toc, matched, alignment, sections, tables, offices, chunks)
    details = {
        # every zh/en section without a twin (the colophon is Chinese-only by design)
        "unaligned": [
            s.section_id for s in sections if s.section_id.startswith(("zh/", "en/")) and not s.aligned_id
        ],
        "weak_pairs": [list(p) for p in alignment.weak],
        "toc_unmatched": {
            lang: [e.heading for e in toc[lang] if e.line not in matched[lang]] for lang in ("zh", "en")
        },
        "problems": [*trees["zh"].problems, *trees["en"].problems, *chapter_tables.problems, *app_problems],
    }
    all_toc = tuple(replace(e, section_id=matched[e.lang].get(e.line)) for e in [*toc["zh"], *toc["en"]])
    return IngestResult(
        sections=tuple(sections),
        tables=tuple(tables),
        offices=tuple(offices),
        chunks=tuple(chunks),
        toc=all_toc,
        stats=stats,
        manifest={"details": details},
    )


def _stats(toc, matched, alignment, sections, tables, offices, chunks) -> dict[str, Any]:  # noqa: ANN001
    """The ``nia-qa ingest --stats --json`` object (key order is part of the contract).

    TOC entries are all lines of each TOC: chapters, numbered headings and the appendix
    parts (附錄, 組織架構圖, …); ``toc_matched`` counts those tied to a section.
    """
    return {
        "sections": {
            lang: sum(1 for s in sections if s.section_id.startswith(f"{lang}/")) for lang in ("zh", "en")
        },
        "toc_entries": {lang: len(toc[lang]) for lang in ("zh", "en")},
        "toc_matched": {lang: sum(1 for e in toc[lang] if e.line in matched[lang]) for lang in ("zh", "en")},
        "aligned_pairs": len(alignment.pairs),
        "tables": len(tables),
        "table_rows": sum(len(t.rows) for t in tables),
        "table_sum_mismatches": sum(len(t.sum_mismatches) for t in tables),
        "offices": len(offices),
        "chunks": {
            "zh": sum(1 for c in chunks if c.kind == "narrative" and c.lang == "zh"),
            "en": sum(1 for c in chunks if c.kind == "narrative" and c.lang == "en"),
            "table": sum(1 for c in chunks if c.kind == "table"),
            "office": sum(1 for c in chunks if c.kind == "office"),
        },
    }


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    try:
        pkg = version("nia-qa")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        pkg = "unknown"
    return {"python": platform.python_version(), "nia-qa": pkg, "platform": platform.platform()}


def run_ingest(corpus_path: Path, out_dir: Path, progress: Progress | None = None) -> IngestResult:
    """Parse ``corpus_path`` and (atomically) write the ingest artefacts to ``out_dir``."""
    corpus_path, out_dir = Path(corpus_path), Path(out_dir)
    lines = read_corpus_lines(corpus_path)
    result = build(lines, progress)
    sha = sha256_file(corpus_path)
    manifest = {
        "stage": "ingest",
        "ingest_version": INGEST_VERSION,
        "chunker_version": CHUNKER_VERSION,
        "corpus_path": str(corpus_path.resolve()),
        "corpus_sha256": sha,
        "corpus_is_expected": sha == EXPECTED_CORPUS_SHA256,
        "corpus_lines": len(lines),
        "versions": _versions(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "stats": result.stats,
        "files": list(FILES),
        **result.manifest,
    }
    result = IngestResult(
        result.sections, result.tables, result.offices, result.chunks, result.toc, result.stats, manifest
    )
    _write_atomically(result, out_dir)
    if progress:
        progress(f"wrote {out_dir}")
    return result


def _jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")


def _write_atomically(result: IngestResult, out_dir: Path) -> None:
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    old: Path | None = None
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it 0700; the output is an ordinary directory
        _jsonl(tmp / "sections.jsonl", (asdict(s) for s in result.sections))
        (tmp / "tables.json").write_text(
            json.dumps([asdict(t) for t in result.tables], ensure_ascii=False, indent=1), encoding="utf-8"
        )
        _jsonl(tmp / "offices.jsonl", (asdict(o) for o in result.offices))
        _jsonl(tmp / "chunks.jsonl", (c.to_dict() for c in result.chunks))
        _jsonl(tmp / "toc.jsonl", (asdict(e) for e in result.toc))
        result.manifest["sha256"] = {f: sha256_file(tmp / f) for f in DATA_FILES}
        (tmp / "manifest.json").write_text(
            json.dumps(result.manifest, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
            os.replace(out_dir, old)
        os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and old.exists() and not out_dir.exists():
            os.replace(old, out_dir)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


# ---------------------------------------------------------------- reading it back


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _tuplify(d: dict[str, Any]) -> dict[str, Any]:
    """JSON lists back to the tuples the frozen records use (one level deep)."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in d.items()}


def _read_manifest(out_dir: Path) -> dict[str, Any]:
    try:
        m = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IngestCorrupt(f"manifest.json is unreadable ({type(exc).__name__})") from None
    if not isinstance(m, dict):
        raise IngestCorrupt("manifest.json is not an object")
    return m


def verify_ingest(out_dir: Path, manifest: dict[str, Any]) -> None:
    """Raise :class:`IngestCorrupt` unless every data file has the sha256 the manifest records."""
    sums = manifest.get("sha256")
    if not isinstance(sums, dict) or set(sums) != set(DATA_FILES):
        raise IngestCorrupt("manifest.json records no checksums (written by an older nia-qa)")
    for name in DATA_FILES:
        try:
            actual = sha256_file(out_dir / name)
        except OSError as exc:
            raise IngestCorrupt(f"{name} is unreadable ({exc.strerror or exc})") from None
        if actual != sums[name]:
            raise IngestCorrupt(f"{name} does not match its checksum in the manifest (edited or truncated)")


def load_ingest(out_dir: Path) -> IngestResult:
    """Read what :func:`run_ingest` wrote, checksums verified.

    UserError when ``out_dir`` holds no complete output; :class:`IngestCorrupt` when a file was changed,
    cut short or cannot be parsed.
    """
    out_dir = Path(out_dir)
    missing = [f for f in FILES if not (out_dir / f).is_file()]
    if missing:
        raise UserError(f"no complete ingest output in {out_dir} (missing {missing[0]}); run `nia-qa ingest`")
    manifest = _read_manifest(out_dir)
    verify_ingest(out_dir, manifest)
    try:
        sections = tuple(Section(**_tuplify(d)) for d in _read_jsonl(out_dir / "sections.jsonl"))
        tables = tuple(
            Table(
                **{
                    **_tuplify(d),
                    "rows": tuple(TableRow(**_tuplify(r)) for r in d["rows"]),
                }
            )
            for d in json.loads((out_dir / "tables.json").read_text(encoding="utf-8"))
        )
        offices = tuple(Office(**_tuplify(d)) for d in _read_jsonl(out_dir / "offices.jsonl"))
        chunks = tuple(Chunk(**d) for d in _read_jsonl(out_dir / "chunks.jsonl"))
        toc = tuple(TocEntry(**_tuplify(d)) for d in _read_jsonl(out_dir / "toc.jsonl"))
    except (ValueError, TypeError, KeyError, OSError) as exc:
        raise IngestCorrupt(
            f"ingest output in {out_dir} is unreadable ({type(exc).__name__}: {exc})"
        ) from None
    return IngestResult(sections, tables, offices, chunks, toc, manifest.get("stats", {}), manifest)


@dataclass(frozen=True)
class IngestStatus:
    fresh: bool
    reason: str  # "up to date", "missing", "stale: ...", "corrupt: ..."

    @property
    def corrupt(self) -> bool:
        return self.reason.startswith("corrupt")


def ingest_status(out_dir: Path, corpus_path: Path) -> IngestStatus:
    """Whether ``out_dir`` holds intact output of this corpus and these ingest/chunker versions."""
    out_dir = Path(out_dir)
    if not out_dir.exists():
        return IngestStatus(False, "missing")
    missing = [f for f in FILES if not (out_dir / f).is_file()]
    if missing:
        return IngestStatus(False, f"corrupt: {missing[0]} is missing")
    try:
        m = _read_manifest(out_dir)
    except IngestCorrupt as exc:
        return IngestStatus(False, f"corrupt: {exc}")
    if m.get("ingest_version") != INGEST_VERSION or m.get("chunker_version") != CHUNKER_VERSION:
        return IngestStatus(False, "stale: ingest or chunker version changed")
    try:
        if m.get("corpus_sha256") != sha256_file(Path(corpus_path)):
            return IngestStatus(False, "stale: the corpus changed")
    except OSError:
        return IngestStatus(False, "stale: the corpus cannot be read")
    if "sha256" not in m:
        return IngestStatus(False, "stale: written by an older nia-qa without checksums")
    try:
        verify_ingest(out_dir, m)
    except IngestCorrupt as exc:
        return IngestStatus(False, f"corrupt: {exc}")
    return IngestStatus(True, "up to date")


def is_stale(out_dir: Path, corpus_path: Path) -> bool:
    """True when ``out_dir`` is missing, incomplete, corrupt, from another corpus, or another version."""
    return not ingest_status(out_dir, corpus_path).fresh


def _say_rebuild(out_dir: Path, reason: str) -> None:
    print(f"nia-qa: ingest output in {out_dir} is {reason}; rebuilding", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class IngestOutcome:
    result: IngestResult
    built: bool
    status_before: IngestStatus


def ensure_ingest_outcome(
    corpus_path: Path, out_dir: Path, progress: Progress | None = None
) -> IngestOutcome:
    """Load intact, fresh output or (re)build it; one builder at a time. Corrupt output: one line, rebuilt."""
    out_dir = Path(out_dir)
    with build_lock(out_dir.parent / LOCK_FILE):
        status = ingest_status(out_dir, corpus_path)
        if status.fresh:
            try:
                return IngestOutcome(load_ingest(out_dir), False, status)
            except IngestCorrupt as exc:
                status = IngestStatus(False, f"corrupt: {exc}")
        if status.corrupt:
            _say_rebuild(out_dir, status.reason)
        return IngestOutcome(run_ingest(corpus_path, out_dir, progress), True, status)


def ensure_ingest(corpus_path: Path, out_dir: Path, progress: Progress | None = None) -> IngestResult:
    """Load fresh ingest output, or (re)build it when missing, stale or corrupt — what later stages call."""
    return ensure_ingest_outcome(corpus_path, out_dir, progress).result


def print_progress(msg: str) -> None:
    """Default progress sink: one line on stderr."""
    print(f"[ingest] {msg}", file=sys.stderr, flush=True)
