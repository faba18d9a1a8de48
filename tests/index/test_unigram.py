"""The lean Unigram tokenizer: the ids of ``tokenizers`` on the whole report and on edge cases, without its trie."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from index.unigram import LEAN_FILE, VOCAB_FILE, LeanUnigramTokenizer, write_lean_tokenizer

pytestmark = pytest.mark.integration

EDGE = [
    "",
    " ",
    "   ",
    "  padded  question  ",
    "<s>",
    "a<s>b",
    "<s><s>",
    "x</s>",
    "<pad>y<unk>",
    "＜s＞",  # normalises to the text of a special token
    "\u0000",
    "a\u0000b",
    "<s>\u0000",
    "\t\ntab\n",
    "ISBN 978-626-7386-00-0？",
    "a" * 3000,  # truncated
    "新" * 600,
    "①②③ Ⅻ ㍿ ﬁ",
    "😀👍🏽",
    "é e\u0301",  # composed and combining
    "한국어 질문 مرحبا",
    "Ｆｕｌｌｗｉｄｔｈ　全形空白",
    "▁▁x",
    "中文English混合123",
    "\u200b\u200dzero width",
    "\U0002a6a5 rare CJK extension B",
]


@pytest.fixture(scope="module")
def tokenizers_pair(embedder, tmp_path_factory):
    """(lean, reference): both from the converted model's tokenizer.json."""
    from tokenizers import Tokenizer

    src = Path(embedder.folder) / "tokenizer.json"
    out = tmp_path_factory.mktemp("lean")
    assert write_lean_tokenizer(src, out)
    ref = Tokenizer.from_file(str(src))
    ref.no_padding()
    ref.enable_truncation(max_length=512)
    return LeanUnigramTokenizer(out), ref


def _report_texts(ingest_result) -> list[str]:
    from app.answering.sentences import split_sentences

    return [t for s in ingest_result.sections for t in split_sentences(s.text, s.lang)] + [
        c.text for c in ingest_result.chunks
    ]


def test_ids_are_those_of_tokenizers_on_the_report_and_edge_cases(tokenizers_pair, ingest_result):
    lean, ref = tokenizers_pair
    texts = _report_texts(ingest_result) + EDGE
    rng = random.Random(13)
    alphabet = sorted(set("".join(texts[:400]))) + list(" <>/s\u0000\t")
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 60))) for _ in range(300)]
    wrong = [
        t[:40]
        for t in texts
        for text in (t, "query: " + t)
        if lean.encode_ids(text, 512) != ref.encode(text).ids
    ]
    assert not wrong, wrong[:5]


def test_files_are_small_and_unsupported_tokenizers_are_refused(tokenizers_pair, embedder, tmp_path):
    lean, _ = tokenizers_pair
    src = json.loads((Path(embedder.folder) / "tokenizer.json").read_text(encoding="utf-8"))
    out = lean._path.parent
    assert (out / LEAN_FILE).stat().st_size < 1_000_000  # the vocabulary is not in it
    assert (out / VOCAB_FILE).is_file()
    wordpiece = {**src, "model": {"type": "WordPiece", "vocab": {"[UNK]": 0}, "unk_token": "[UNK]"}}
    (tmp_path / "wp.json").write_text(json.dumps(wordpiece), encoding="utf-8")
    assert write_lean_tokenizer(tmp_path / "wp.json", tmp_path) is False
    assert not (tmp_path / VOCAB_FILE).exists()
