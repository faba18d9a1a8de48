"""A sentencepiece Unigram tokenizer whose vocabulary stays on disk (SQLite), for the query encoder.

>>> write_lean_tokenizer(Path("tokenizer.json"), out_dir)   # at export time; False if not supported
>>> tok = LeanUnigramTokenizer(out_dir)                     # ~10 ms, a few MB
>>> tok.encode_ids("query: 112年入出境人次是多少？", max_length=512)
[0, 41, 1294, 12, ...]

``tokenizers`` builds a trie over all 250,002 pieces of multilingual-e5's (XLM-R) vocabulary
when it loads ``tokenizer.json``: ~1 s and ~290 MB in every process that encodes a question (a
cold ``nia-qa ask``, each serve worker). A question needs the pieces that occur in it only, so
the pieces are stored in an indexed SQLite table (``piece -> id, score``) and looked up per
position. The algorithm is that of ``tokenizers``' Unigram model (``encode_optimized``): Viterbi
over every vocabulary piece starting at each character, in order of length, strictly better
scores replace, a character no piece covers is ``<unk>`` at ``min_score - 10``, adjacent
``<unk>`` are fused, each resulting string is looked up again. Everything around the model is
``tokenizers``' own code, loaded from ``tokenizer.json`` with its vocabulary left out: the
normaliser (sentencepiece's precompiled character map), the Metaspace pre-tokeniser, and the
special tokens; truncation and the single-sequence template are applied as ``tokenizers`` does.

Only what this reproduces exactly is written (``write_lean_tokenizer`` says False otherwise and
the caller keeps ``tokenizers``): a Unigram model without byte fallback, special tokens matched
on the raw text only, a ``TemplateProcessing`` post-processor. ``tests/index/test_unigram.py``
compares the ids with ``tokenizers`` on every sentence of the report and on edge cases.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import tempfile
import threading
from pathlib import Path
from typing import Any

VOCAB_FILE = "vocab.sqlite3"
LEAN_FILE = "tokenizer-lean.json"  # tokenizer.json with a one-piece vocabulary
K_UNK_PENALTY = 10.0  # tokenizers' Unigram: unknown characters score min_score - 10
_MEMO_LIMIT = 200_000


def _unsupported(spec: dict[str, Any]) -> str | None:
    """Why ``spec`` (a parsed tokenizer.json) is not reproduced by :class:`LeanUnigramTokenizer`."""
    model = spec.get("model") or {}
    if model.get("type") != "Unigram" or model.get("byte_fallback") or model.get("unk_id") is None:
        return "not a Unigram model without byte fallback"
    for tok in spec.get("added_tokens") or []:
        if tok.get("normalized") or tok.get("lstrip") or tok.get("rstrip") or tok.get("single_word"):
            return f"added token {tok.get('content')!r} is not matched on the raw text alone"
    post = spec.get("post_processor") or {}
    if post.get("type") != "TemplateProcessing":
        return "post-processor is not a TemplateProcessing"
    single = post.get("single") or []
    if sum("Sequence" in part for part in single) != 1:
        return "single template does not hold one sequence"
    if spec.get("truncation") or spec.get("padding"):
        return "truncation or padding set in tokenizer.json"
    return None


def write_lean_tokenizer(tokenizer_json: Path, out_dir: Path) -> bool:
    """Write ``VOCAB_FILE`` and ``LEAN_FILE`` for ``tokenizer_json`` into ``out_dir``; False if unsupported."""
    spec = json.loads(Path(tokenizer_json).read_text(encoding="utf-8"))
    if _unsupported(spec):
        return False
    vocab: list[list[Any]] = spec["model"]["vocab"]
    unk_id = int(spec["model"]["unk_id"])
    out_dir = Path(out_dir)
    fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=".vocab-", suffix=".tmp")
    os.close(fd)
    try:
        con = sqlite3.connect(tmp)
        with con:
            con.execute("PRAGMA journal_mode=OFF")
            con.execute(
                "CREATE TABLE piece (text TEXT PRIMARY KEY, id INTEGER NOT NULL, score REAL NOT NULL) WITHOUT ROWID"
            )
            con.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            # a piece listed twice keeps its last id, as tokenizers' token_to_ids map does
            by_text = {str(p): (i, float(s)) for i, (p, s) in enumerate(vocab)}
            con.executemany(
                "INSERT INTO piece VALUES (?, ?, ?)", ((t, i, s) for t, (i, s) in by_text.items())
            )
            meta = {
                "unk_id": unk_id,
                "min_score": repr(min(float(s) for _, s in vocab)),
                "max_chars": max(len(p) for p, _ in vocab),
                "size": len(vocab),
            }
            con.executemany("INSERT INTO meta VALUES (?, ?)", ((k, str(v)) for k, v in meta.items()))
        con.close()
        os.replace(tmp, out_dir / VOCAB_FILE)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    lean = {**spec, "model": {**spec["model"], "vocab": [["<unk>", 0.0]], "unk_id": 0}}
    (out_dir / LEAN_FILE).write_text(json.dumps(lean, ensure_ascii=False), encoding="utf-8")
    return True


class LeanUnigramTokenizer:
    """Token ids of a text as ``tokenizers`` gives them, with the vocabulary looked up in SQLite."""

    def __init__(self, out_dir: Path) -> None:
        from tokenizers import Tokenizer

        out_dir = Path(out_dir)
        spec = json.loads((out_dir / LEAN_FILE).read_text(encoding="utf-8"))
        why = _unsupported(spec)
        if why:
            raise ValueError(why)
        shell = Tokenizer.from_str(json.dumps(spec))
        self._normalizer = shell.normalizer
        self._pre_tokenizer = shell.pre_tokenizer
        specials = sorted((t["content"] for t in spec.get("added_tokens") or []), key=len, reverse=True)
        self._added = {t["content"]: int(t["id"]) for t in spec.get("added_tokens") or []}
        # leftmost-longest, as tokenizers' AddedVocabulary matches them
        self._split = re.compile("(" + "|".join(map(re.escape, specials)) + ")") if specials else None
        post = spec["post_processor"]
        self._prefix: list[int] = []
        self._suffix: list[int] = []
        seen_sequence = False
        for part in post["single"]:
            if "Sequence" in part:
                seen_sequence = True
                continue
            ids = [int(i) for i in post["special_tokens"][part["SpecialToken"]["id"]]["ids"]]
            (self._suffix if seen_sequence else self._prefix).extend(ids)
        self._path = out_dir / VOCAB_FILE
        con = sqlite3.connect(f"file:{self._path}?mode=ro", uri=True)
        try:
            meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
        finally:
            con.close()
        self._unk_id = int(meta["unk_id"])
        self._unk_score = float(meta["min_score"]) - K_UNK_PENALTY
        self._max_chars = int(meta["max_chars"])
        self._memo: dict[str, tuple[int, float] | None] = {}
        self._lock = threading.Lock()
        self._con: sqlite3.Connection | None = None
        self._pid = -1

    # -- vocabulary ---------------------------------------------------------------------------
    def _connection(self) -> sqlite3.Connection:
        if self._con is None or self._pid != os.getpid():
            self._con = sqlite3.connect(f"file:{self._path}?mode=ro", uri=True, check_same_thread=False)
            self._pid = os.getpid()
        return self._con

    def _lookup(self, texts: list[str]) -> dict[str, tuple[int, float] | None]:
        """The (id, score), or None, of each of ``texts``: from the memo, the rest from SQLite.

        The result is the caller's own dict, so another thread dropping the memo meanwhile
        (it is bounded) cannot change what this call sees.
        """
        memo = self._memo
        out = {t: memo.get(t) for t in dict.fromkeys(texts)}
        missing = [t for t in out if out[t] is None and t not in memo]
        if not missing:
            return out
        with self._lock:
            con = self._connection()
            for start in range(0, len(missing), 500):
                part = missing[start : start + 500]
                marks = ",".join("?" * len(part))
                for text, pid, score in con.execute(
                    f"SELECT text, id, score FROM piece WHERE text IN ({marks})",  # noqa: S608 - placeholders only
                    part,
                ):
                    out[text] = (int(pid), float(score))
            if len(memo) + len(missing) > _MEMO_LIMIT:
                memo.clear()
            for text in missing:
                memo[text] = out[text]
        return out

    # -- the model ----------------------------------------------------------------------------
    def _pieces(self, s: str) -> list[str]:
        """tokenizers' ``Unigram::encode_optimized`` of one pre-token ``s``."""
        n = len(s)
        if n == 0:
            return []
        spans = [s[i : i + k] for i in range(n) for k in range(1, min(self._max_chars, n - i) + 1)]
        memo = self._lookup(spans)
        score = [0.0] * (n + 1)
        start = [-1] * (n + 1)
        ident = [0] * (n + 1)
        for i in range(n):
            base = score[i]
            single = False
            for k in range(1, min(self._max_chars, n - i) + 1):
                hit = memo.get(s[i : i + k])
                if hit is None:
                    continue
                j, cand = i + k, hit[1] + base
                if start[j] < 0 or cand > score[j]:
                    score[j], start[j], ident[j] = cand, i, hit[0]
                if k == 1:
                    single = True
            if not single:
                j, cand = i + 1, self._unk_score + base
                if start[j] < 0 or cand > score[j]:
                    score[j], start[j], ident[j] = cand, i, self._unk_id
        out: list[str] = []
        unk: list[str] = []
        end = n
        while end > 0:
            begin = start[end]
            if ident[end] == self._unk_id:
                unk.append(s[begin:end])
            else:
                if unk:
                    out.append("".join(reversed(unk)))
                    unk = []
                out.append(s[begin:end])
            end = begin
        if unk:
            out.append("".join(reversed(unk)))
        out.reverse()
        return out

    def _ids(self, pieces: list[str]) -> list[int]:
        found = self._lookup(pieces)
        return [hit[0] if (hit := found[p]) is not None else self._unk_id for p in pieces]

    # -- the pipeline -------------------------------------------------------------------------
    def encode_ids(self, text: str, max_length: int | None = None) -> list[int]:
        """Ids of ``text`` with the template's special tokens, truncated (right) to ``max_length``."""
        segments = self._split.split(text) if self._split is not None else [text]
        ids: list[int] = []
        for seg in segments:
            if not seg:
                continue
            if seg in self._added:
                ids.append(self._added[seg])
                continue
            normalized = self._normalizer.normalize_str(seg) if self._normalizer is not None else seg
            words = (
                [w for w, _ in self._pre_tokenizer.pre_tokenize_str(normalized)]
                if self._pre_tokenizer is not None
                else [normalized]
            )
            for word in words:
                ids.extend(self._ids(self._pieces(word)))
        if max_length is not None:
            room = max_length - len(self._prefix) - len(self._suffix)
            if room >= 0:  # tokenizers leaves the sequence whole when the specials alone do not fit
                ids = ids[:room]
        return [*self._prefix, *ids, *self._suffix]

    def close(self) -> None:
        if self._con is not None and self._pid == os.getpid():
            with contextlib.suppress(sqlite3.Error):
                self._con.close()
        self._con = None
