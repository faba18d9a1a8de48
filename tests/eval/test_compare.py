"""`nia-qa eval --compare OLD NEW`: which items flipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import main
from eval.dataset import load_items
from eval.gates import Gates
from eval.runner import run_eval
from tests.eval.conftest import FakeBrokenRetrieverPipeline, FakeKeywordPipeline

pytestmark = pytest.mark.unit


def test_compare_lists_flips_both_ways(items_file: Path, tmp_path: Path, capsys) -> None:
    items = load_items(items_file)
    run_eval(FakeKeywordPipeline(), items, tmp_path / "good", progress=False, gates=Gates())
    run_eval(FakeBrokenRetrieverPipeline(), items, tmp_path / "bad", progress=False, gates=Gates())

    assert main(["eval", "--compare", str(tmp_path / "good"), str(tmp_path / "bad")]) == 0
    out = capsys.readouterr().out
    assert "right -> wrong (6):" in out and "wrong -> right (0):" in out
    assert "t003 (en, table_cell)" in out

    assert main(["eval", "--compare", str(tmp_path / "bad"), str(tmp_path / "good")]) == 0
    out = capsys.readouterr().out
    assert "right -> wrong (0):" in out and "wrong -> right (6):" in out

    assert main(["eval", "--compare", str(tmp_path / "good"), str(tmp_path / "nowhere")]) == 2
    assert "results.jsonl: no such file" in capsys.readouterr().err
