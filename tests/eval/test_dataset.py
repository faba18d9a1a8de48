"""Loading the eval set: frozen items, line-numbered errors."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from eval.dataset import EvalItem, load_items
from ingest.errors import UserError
from tests.eval.conftest import ITEMS, write_jsonl

pytestmark = pytest.mark.unit


def test_load_items(items_file: Path) -> None:
    items = load_items(items_file)
    assert [i.id for i in items] == [r["id"] for r in ITEMS]
    first = items[0]
    assert isinstance(first, EvalItem) and first.must_include == ("421萬8,817", "4,218,817")
    assert first.answerable and not items[-1].answerable and first.note is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.answer = "x"  # type: ignore[misc]
    assert first.to_dict() == ITEMS[0]


def test_blank_lines_are_skipped_and_errors_carry_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    bad = dict(ITEMS[1], must_include="4,218,817")
    path.write_text(
        json.dumps(ITEMS[0], ensure_ascii=False) + "\n\n" + json.dumps(bad, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    with pytest.raises(UserError, match=r"x\.jsonl:3: 'must_include' must be a list of strings"):
        load_items(path)


def test_duplicate_ids_and_empty_file(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r":2: duplicate id 't001' \(first on line 1\)"):
        load_items(write_jsonl(tmp_path / "d.jsonl", [ITEMS[0], ITEMS[0]]))
    (tmp_path / "e.jsonl").write_text("\n", encoding="utf-8")
    with pytest.raises(UserError, match="no items"):
        load_items(tmp_path / "e.jsonl")
    (tmp_path / "b.jsonl").write_bytes(b"\xff\xfe\x00junk")
    with pytest.raises(UserError, match="not UTF-8"):
        load_items(tmp_path / "b.jsonl")


def test_follow_up_items_carry_their_history(tmp_path: Path) -> None:
    follow = {**ITEMS[0], "id": "f1", "question": "那111年呢？", "history": [ITEMS[0]["question"]]}
    path = tmp_path / "f.jsonl"
    write_jsonl(path, [follow])
    (item,) = load_items(path)
    assert item.history == (ITEMS[0]["question"],) and item.to_dict() == follow
    write_jsonl(path, [{**follow, "history": "not a list"}])
    with pytest.raises(UserError, match="history"):
        load_items(path)
