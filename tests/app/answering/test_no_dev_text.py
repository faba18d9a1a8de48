"""No dev question (nor a long piece of one) is written into the answering code or its comments."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]


def _fragments(question: str) -> list[str]:
    """Runs of at least 12 characters (Chinese) or 5 words (English) of a question."""
    if re.search(r"[\u4e00-\u9fff]", question):
        text = re.sub(r"[\s，。？?、「」（）()]", "", question)
        return [text[i : i + 12] for i in range(0, max(len(text) - 11, 0), 6)]
    words = re.findall(r"[A-Za-z0-9']+", question.lower())
    return [" ".join(words[i : i + 5]) for i in range(0, max(len(words) - 4, 0), 2)]


def test_answering_code_quotes_no_dev_question():
    code = {p: p.read_text(encoding="utf-8") for p in (ROOT / "app" / "answering").rglob("*.py")}
    folded = {p: re.sub(r"\s+", " ", t.lower()) for p, t in code.items()}
    hits = []
    for line in (ROOT / "eval" / "data" / "dev.jsonl").read_text(encoding="utf-8").splitlines():
        question = json.loads(line)["question"]
        for frag in _fragments(question):
            for path, text in folded.items():
                if frag.lower() in text:
                    hits.append(f"{path.name}: {frag!r}")
    assert not hits, hits[:10]
