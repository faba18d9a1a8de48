"""Blind sets: report.md, results.jsonl, the console, --compare and --check carry no item text.

Uses a small SYNTHETIC set (the fixture items) marked blind through a temporary config, and FAKE
pipelines, so the test never reads the real blind sets.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

import eval.check
import eval.cli
from app.cli import main
from eval.check import build_catalog
from eval.results import BLIND_FIELDS
from tests.eval.conftest import (
    CHUNKS,
    ITEMS,
    FakeKeywordPipeline,
    fake_sections,
    write_eval_config,
    write_jsonl,
)

pytestmark = pytest.mark.unit


class FakeLeakyErrorPipeline(FakeKeywordPipeline):
    """FAKE pipeline whose exception texts and answerer names quote the item, as real ones can."""

    def ask(self, question, history=None):
        if "e-Gate" in question:
            raise RuntimeError(f"cannot answer {question!r}")
        answer = super().ask(question, history)
        return replace(answer, answerer=f"fake (fallback: {answer.answer[:40]} not verified)")


def _item_texts() -> list[str]:
    """Every text of the synthetic items and of the fake answers that a blind output must not contain."""
    texts = [t for row in ITEMS for t in (row["question"], row["answer"], *row["must_include"])]
    texts += [t for row in ITEMS for t in (row["section_zh"], row["section_en"]) if t]
    texts += [c.text[:40] for c in CHUNKS]  # the fake answers and citation quotes
    return texts


def _config(tmp_path: Path, items_file: Path) -> Path:
    secret = {"path": items_file, "blind": True, "gates": {"min_answerable_accuracy": 0.5}}
    return write_eval_config(tmp_path / "eval.toml", {"secret": secret})


def _run(args: list[str], capsys) -> tuple[int, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_blind_run_writes_no_item_text(items_file: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(eval.cli, "_build_pipeline", lambda _s: FakeLeakyErrorPipeline())
    config = _config(tmp_path, items_file)
    base = ["eval", "--questions", str(items_file), "--gates", str(config), "--no-progress"]
    code, console = _run([*base, "--out", str(tmp_path / "blind")], capsys)
    assert code == 0
    out = tmp_path / "blind"
    written = {name: (out / name).read_text(encoding="utf-8") for name in ("report.md", "results.jsonl")}
    written["summary.json"] = (out / "summary.json").read_text(encoding="utf-8")
    written["console"] = console
    for where, text in written.items():
        leaked = [t for t in _item_texts() if t in text]
        assert not leaked, f"{where} leaks item text: {leaked[:3]}"

    rows = [json.loads(line) for line in written["results.jsonl"].splitlines()]
    assert [r["id"] for r in rows] == [i["id"] for i in ITEMS]
    assert all(set(r) == set(BLIND_FIELDS) for r in rows)
    assert [r["id"] for r in rows if r["error"]] == ["t003"]
    assert "t003: pipeline error" in console
    report = written["report.md"]
    assert "| fake (fallback) | 5 | 5 |" in report  # the answer path, without its per-item details
    assert "aggregates only" in report and "## By language" in report and "## By answer path" in report
    assert "## Calibration" in report and "## Failures" not in report and "## Citation misses" not in report
    assert json.loads(written["summary.json"])["blind"] is True

    # the same set, not blind: the texts are there (so the assertions above can fail)
    monkeypatch.setattr(eval.cli, "_build_pipeline", lambda _s: FakeKeywordPipeline())
    plain = ["eval", "--questions", str(items_file), "--no-progress", "--out", str(tmp_path / "plain")]
    assert _run(plain, capsys)[0] == 0
    assert ITEMS[2]["question"] in (tmp_path / "plain" / "results.jsonl").read_text(encoding="utf-8")

    # --compare of a blind run with another run: ids and flags only
    code, console = _run(["eval", "--compare", str(tmp_path / "plain"), str(out)], capsys)
    assert code == 0 and "t003 (en, table_cell): old right, answered, cited -> new wrong" in console
    assert not [t for t in _item_texts() if t in console]


def test_blind_flag_on_an_unregistered_file(items_file: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(eval.cli, "_build_pipeline", lambda _s: FakeKeywordPipeline())
    args = ["eval", "--questions", str(items_file), "--blind", "--no-progress", "--out", str(tmp_path / "r")]
    assert _run(args, capsys)[0] == 0
    assert ITEMS[0]["question"] not in (tmp_path / "r" / "report.md").read_text(encoding="utf-8")


def test_blind_check_prints_counts_and_error_lines_only(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(eval.check, "load_catalog", lambda _c, _d: build_catalog(fake_sections(), CHUNKS))
    rows = [dict(r) for r in ITEMS]
    rows[1] = {**rows[1], "section_en": "Chapter IX A section the report does not have"}
    bad = write_jsonl(tmp_path / "bad.jsonl", rows)
    config = _config(tmp_path, bad)
    code, console = _run(["eval", "--check", str(bad), "--gates", str(config)], capsys)
    assert code == 1
    assert f"{bad}:2: [t002] error" in console
    assert "en 4" in console and "narrative_number 2" in console
    assert "Chapter IX" not in console and not [t for t in _item_texts() if t in console]
    code, console = _run(["eval", "--check", "--gates", str(config)], capsys)  # every registered set
    assert code == 1 and f"{bad}:2: [t002] error" in console and "Chapter IX" not in console


def test_a_blind_set_that_does_not_load_names_only_the_file(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(eval.cli, "_build_pipeline", lambda _s: pytest.fail("pipeline built"))
    bad = write_jsonl(tmp_path / "bad.jsonl", [{**ITEMS[0], "type": "a secret question type"}])
    config = _config(tmp_path, bad)
    code, console = _run(["eval", "--questions", str(bad), "--gates", str(config), "--no-progress"], capsys)
    assert code == 2 and "details withheld" in console and "secret" not in console
    code, console = _run(["eval", "--questions", str(bad), "--no-progress"], capsys)  # not blind: says why
    assert code == 2 and "a secret question type" in console
