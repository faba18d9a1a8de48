"""No eval question (nor a long piece of one) is written into the answering code or its comments."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]


def _fragments(question: str) -> list[str]:
    """Runs of at least 12 characters (Chinese) or 5 words (English) of a question, and the whole
    question itself when it has at least 6 characters or 3 words (short follow-ups)."""
    if re.search(r"[\u4e00-\u9fff]", question):
        text = re.sub(r"[\s，。？?、「」（）()]", "", question)
        runs = [text[i : i + 12] for i in range(0, max(len(text) - 11, 0), 6)]
        return runs + ([text] if len(text) >= 6 else [])
    words = re.findall(r"[A-Za-z0-9']+", question.lower())
    runs = [" ".join(words[i : i + 5]) for i in range(0, max(len(words) - 4, 0), 2)]
    return runs + ([" ".join(words)] if len(words) >= 3 else [])


def _questions(path: Path) -> list[tuple[str, str]]:
    """(id, question) of every turn of an eval set, earlier turns of a follow-up included."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        out += [(item["id"], q) for q in [*item.get("history", []), item["question"]]]
    return out


def test_answering_code_quotes_no_eval_question():
    code = {p: p.read_text(encoding="utf-8") for p in (ROOT / "app" / "answering").rglob("*.py")}
    code[ROOT / "app" / "conversation.py"] = (ROOT / "app" / "conversation.py").read_text(encoding="utf-8")
    folded = {p: re.sub(r"[^\w\u4e00-\u9fff]+", " ", t.lower()) for p, t in code.items()}
    hits = []
    for path in sorted((ROOT / "eval" / "data").glob("*.jsonl")):
        for item_id, question in _questions(path):
            for frag in _fragments(question):
                words = re.sub(r"[^\w\u4e00-\u9fff]+", " ", frag.lower()).strip()
                # Only ids are reported: blind sets are checked too, and their texts stay unseen.
                hits += [f"{p.name}: {path.name}:{item_id}" for p, text in folded.items() if words in text]
    assert not hits, sorted(set(hits))[:10]
