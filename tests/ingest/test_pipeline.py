"""run_ingest / load_ingest / is_stale on the real report, plus atomic writing."""

from __future__ import annotations

import json
import shutil

import pytest

from ingest import pipeline
from ingest.chunker import CHUNKER_VERSION
from ingest.errors import UserError
from ingest.pipeline import FILES, is_stale, load_ingest, run_ingest


@pytest.mark.integration
def test_must_show_targets(ingest_result):
    st = ingest_result.stats
    # 8 chapters + 126 numbered headings + 4 appendix parts per language
    assert st["toc_matched"] == st["toc_entries"] == {"zh": 138, "en": 138}
    assert all(e.section_id and ingest_result.section(e.section_id) for e in ingest_result.toc)
    total = st["sections"]["zh"] + st["sections"]["en"]
    assert 2 * st["aligned_pairs"] / total >= 0.95
    assert st["chunks"]["zh"] > 100 and st["chunks"]["en"] > 100
    assert ingest_result.manifest["details"]["toc_unmatched"] == {"zh": [], "en": []}


@pytest.mark.integration
def test_files_manifest_and_round_trip(ingest_result, ingest_dir, corpus_path):
    for f in FILES:
        assert (ingest_dir / f).is_file(), f
    m = json.loads((ingest_dir / "manifest.json").read_text(encoding="utf-8"))
    assert m["chunker_version"] == CHUNKER_VERSION
    assert m["corpus_sha256"] == ingest_result.manifest["corpus_sha256"]
    assert m["versions"]["python"]
    assert set(m["sha256"]) == set(pipeline.DATA_FILES)  # every data file's checksum, verified on load
    loaded = load_ingest(ingest_dir)
    assert loaded.sections == ingest_result.sections
    assert loaded.chunks == ingest_result.chunks
    assert loaded.tables == ingest_result.tables
    assert loaded.offices == ingest_result.offices
    assert loaded.toc == ingest_result.toc
    assert loaded.stats == ingest_result.stats
    assert not is_stale(ingest_dir, corpus_path)


@pytest.mark.integration
def test_stale_when_corpus_or_version_changes(tmp_path, corpus_path, monkeypatch):
    corpus = tmp_path / "report.md"
    shutil.copy(corpus_path, corpus)
    out = tmp_path / "out"
    assert is_stale(out, corpus)  # nothing there yet
    run_ingest(corpus, out)
    assert not is_stale(out, corpus)
    with open(corpus, "a", encoding="utf-8") as fh:
        fh.write("\n")
    assert is_stale(out, corpus)
    run_ingest(corpus, out)
    monkeypatch.setattr(pipeline, "CHUNKER_VERSION", "other")
    assert is_stale(out, corpus)


@pytest.mark.integration
def test_failed_write_keeps_previous_output_and_leaves_no_temp(tmp_path, corpus_path, monkeypatch):
    out = tmp_path / "build" / "ingest"
    run_ingest(corpus_path, out)
    before = (out / "sections.jsonl").read_bytes()

    def boom(path, rows):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(pipeline, "_jsonl", boom)
    with pytest.raises(OSError):
        run_ingest(corpus_path, out)
    assert (out / "sections.jsonl").read_bytes() == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["ingest"]


@pytest.mark.unit
def test_load_without_output_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="nia-qa ingest"):
        load_ingest(tmp_path / "nothing")
