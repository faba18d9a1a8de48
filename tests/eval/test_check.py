"""`nia-qa eval --check`: the validator catches what would make a score meaningless."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from app.cli import main
from eval.check import build_catalog, check_file
from tests.eval.conftest import CHUNKS, EN424, ITEMS, ZH424, fake_sections, write_jsonl

pytestmark = pytest.mark.unit


@pytest.fixture
def catalog():
    return build_catalog(fake_sections(), CHUNKS)


def messages(report) -> list[str]:
    return [f"{p.line}:{p.level}:{p.message}" for p in report.problems]


def test_clean_items_pass(tmp_path: Path, catalog) -> None:
    report = check_file(write_jsonl(tmp_path / "ok.jsonl", ITEMS), catalog)
    assert report.ok, messages(report)
    assert report.n_items == len(ITEMS)
    assert report.by_type["narrative_number"] == 2


def test_duplicate_id(tmp_path: Path, catalog) -> None:
    rows = copy.deepcopy(ITEMS[:2])
    rows[1]["id"] = rows[0]["id"]
    report = check_file(write_jsonl(tmp_path / "dup.jsonl", rows), catalog)
    assert not report.ok
    assert any(p.line == 2 and "duplicate id" in p.message for p in report.errors)


def test_answer_failing_its_own_must_include(tmp_path: Path, catalog) -> None:
    rows = copy.deepcopy(ITEMS[:1])
    rows[0]["answer"] = "112年度核定補助約420萬元。"
    report = check_file(write_jsonl(tmp_path / "bad.jsonl", rows), catalog)
    assert [p.message for p in report.errors] == [
        "answer does not contain any of its own must_include strings"
    ]
    rows[0]["answer"] = "421萬8,817" + "。" * 400
    report = check_file(write_jsonl(tmp_path / "long.jsonl", rows), catalog)
    assert any("longer than 400" in p.message for p in report.errors)


def test_empty_must_include_on_answerable(tmp_path: Path, catalog) -> None:
    rows = copy.deepcopy(ITEMS[:1])
    rows[0]["must_include"] = []
    report = check_file(write_jsonl(tmp_path / "e.jsonl", rows), catalog)
    assert any("empty must_include" in p.message for p in report.errors)


def test_unknown_section(tmp_path: Path, catalog) -> None:
    rows = copy.deepcopy(ITEMS[:2])
    rows[0]["section_zh"] = "第肆章 新住民照顧輔導 > 二、營造新家鄉安居環境 > (九) 不存在的計畫"
    rows[1]["section_en"] = "Chapter IV Care and Counseling for New Immigrants > 9. Nowhere"
    report = check_file(write_jsonl(tmp_path / "s.jsonl", rows), catalog)
    errs = messages(report)
    assert any(m.startswith("1:error:section_zh not found") for m in errs), errs
    assert any(m.startswith("2:error:section_en not found") for m in errs), errs


def test_empty_section_en_only_without_english_twin(tmp_path: Path, catalog) -> None:
    rows = copy.deepcopy(ITEMS[:1])
    rows[0]["section_en"] = ""  # the Chinese section has an English twin
    report = check_file(write_jsonl(tmp_path / "twin.jsonl", rows), catalog)
    assert any("section_en is empty" in p.message and EN424 in p.message for p in report.errors)
    # the colophon item (t005 in ITEMS) has no twin and passes with section_en "" (see test_clean_items_pass)
    colophon = next(r for r in ITEMS if r["section_zh"] == "版權頁")
    assert colophon["section_en"] == ""


def test_schema_and_language_problems_have_line_numbers(tmp_path: Path, catalog) -> None:
    path = tmp_path / "schema.jsonl"
    good = dict(ITEMS[0])
    lines = [
        '{"id": "x1", "lang": "zh"',  # broken JSON
        '{"id": "x2"}',
        str(dict(good, id="x3", type="opinion")).replace("'", '"'),
        str(dict(good, id="x4", lang="en")).replace("'", '"'),  # Chinese question marked en
        str(dict(good, id="x5", extra=1)).replace("'", '"'),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = check_file(path, catalog)
    by_line = {p.line: p.message for p in report.errors}
    assert "invalid JSON" in by_line[1]
    assert "missing field" in by_line[2]
    assert "'type' must be one of" in by_line[3]
    assert "mostly Chinese" in by_line[4]
    assert "unknown field" in by_line[5]


def test_catalog_covers_appendix_english_paths_from_chunks(tmp_path: Path) -> None:
    rows = [r for r in ITEMS if r["id"] == "t003"]  # appendix table, English path only in chunks
    sections_only = build_catalog(fake_sections())
    assert not check_file(write_jsonl(tmp_path / "a.jsonl", rows), sections_only).ok
    with_chunks = build_catalog(fake_sections(), CHUNKS)
    assert check_file(write_jsonl(tmp_path / "b.jsonl", rows), with_chunks).ok


def test_cli_check_exit_codes(tmp_path: Path, monkeypatch, capsys) -> None:
    import eval.check

    monkeypatch.setattr(eval.check, "load_catalog", lambda _c, _d: build_catalog(fake_sections(), CHUNKS))
    good = write_jsonl(tmp_path / "good.jsonl", ITEMS)
    assert main(["eval", "--check", str(good)]) == 0
    assert "0 error(s)" in capsys.readouterr().out
    rows = copy.deepcopy(ITEMS)
    rows[2]["id"] = rows[0]["id"]
    bad = write_jsonl(tmp_path / "bad.jsonl", rows)
    assert main(["eval", "--check", str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"{bad}:3: [t001] error: duplicate id (first on line 1)" in out
    assert main(["eval", "--check", str(tmp_path / "missing.jsonl")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert ZH424  # the fixture paths are the DESIGN example paths
