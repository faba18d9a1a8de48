"""The validator against the real ingested report, and every eval set in the repo passes it."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.check import build_catalog, check_file
from ingest.corpus import PROJECT_ROOT
from tests.eval.conftest import EN424, EN_OFFICE, ITEMS, ZH424, ZH_OFFICE, write_jsonl

pytestmark = pytest.mark.integration

EVAL_SETS = sorted((PROJECT_ROOT / "eval" / "data").glob("*.jsonl")) + sorted(
    (PROJECT_ROOT / "eval" / "data" / "parts").glob("*.jsonl")
)


@pytest.fixture(scope="module")
def real_catalog(ingest_result):
    return build_catalog(ingest_result.sections, ingest_result.chunks)


def test_design_paths_resolve_in_the_real_report(tmp_path: Path, real_catalog) -> None:
    colophon = dict(ITEMS[4], section_zh="版權頁", section_en="")
    t424 = dict(ITEMS[0], section_zh=ZH424, section_en=EN424)
    office = dict(ITEMS[3], section_zh=ZH_OFFICE, section_en=EN_OFFICE)
    report = check_file(write_jsonl(tmp_path / "ok.jsonl", [t424, office, colophon]), real_catalog)
    assert report.ok and not report.warnings, [p.message for p in report.problems]


def test_real_report_catches_bad_sections(tmp_path: Path, real_catalog) -> None:
    rows = [
        dict(ITEMS[0], id="b1", section_zh=ZH424.replace("(四)", "(九)").replace("設籍前", "不存在的")),
        dict(ITEMS[0], id="b2", section_en=""),  # has an English twin in the real tree
        dict(ITEMS[3], id="b3", section_en=""),  # appendix office region: English path exists
    ]
    report = check_file(write_jsonl(tmp_path / "bad.jsonl", rows), real_catalog)
    by_id = {p.item_id: p.message for p in report.errors}
    assert by_id["b1"].startswith("section_zh not found")
    assert by_id["b2"].startswith("section_en is empty") and "(4) Pre-Household" in by_id["b2"]
    assert by_id["b3"].startswith("section_en is empty") and "NORTHERN" in by_id["b3"]


@pytest.mark.parametrize("path", EVAL_SETS, ids=[p.name for p in EVAL_SETS])
def test_committed_eval_sets_pass_the_validator(path: Path, real_catalog) -> None:
    report = check_file(path, real_catalog)
    assert report.ok, "\n".join(p.format(path) for p in report.errors[:20])
    assert report.n_items == sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
