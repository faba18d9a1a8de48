"""The BM25 tokens of the report's sentences, kept on disk so a starting pipeline does not re-segment them.

The answerer's IDF table needs the tokens of every sentence of the report (~1,300 jieba runs,
~1 s, ~40% of a cold ``nia-qa ask`` once torch is gone). They depend only on the text and the
tokenizer, so they are stored once per tokenizer identity (code, jieba version, user dictionary)
and read back (~30 ms):

>>> tokenize = cached_tokenize(tokenizer, sentences, settings.cache_dir / "tokens")
>>> tokenize("112年入出境人次")     # a stored text: its tokens; any other text: tokenizer.tokenize

One JSON file per identity, ``{"identity": ..., "tokens": {sha256(text): [...]}}``, written to a temp
file and renamed; an unreadable file is ignored (recomputed and replaced).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

CACHE_FORMAT = "nia-qa-tokens/1"
#: Source files whose code decides the tokens (with ``Tokenizer.version``: jieba, dictionary, rules).
_CODE = ("tokenize.py", "normalize.py")


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def identity(tokenizer: Any) -> dict[str, Any]:
    """What the stored tokens were made with: the tokenizer's version and its code's checksum."""
    code = hashlib.sha256()
    here = Path(__file__).parent
    for name in _CODE:
        code.update((here / name).read_bytes())
    return {"format": CACHE_FORMAT, "tokenizer": tokenizer.version, "code": code.hexdigest()[:16]}


def _path(cache_dir: Path, ident: dict[str, Any]) -> Path:
    digest = hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()[:24]
    return Path(cache_dir) / f"{digest}.json"


def _load(path: Path, ident: dict[str, Any]) -> dict[str, list[str]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        print(f"nia-qa: ignoring token cache {path} ({type(exc).__name__})", file=sys.stderr, flush=True)
        return {}
    tokens = data.get("tokens") if isinstance(data, dict) and data.get("identity") == ident else None
    return tokens if isinstance(tokens, dict) else {}


def _save(path: Path, ident: dict[str, Any], tokens: dict[str, list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        tmp.write_text(
            json.dumps({"identity": ident, "tokens": tokens}, ensure_ascii=False), encoding="utf-8"
        )
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def cached_tokenize(tokenizer: Any, texts: Sequence[str], cache_dir: Path) -> Callable[[str], list[str]]:
    """``tokenizer.tokenize`` with the tokens of ``texts`` read from (or, once, written to) the cache."""
    ident = identity(tokenizer)
    path = _path(cache_dir, ident)
    stored = _load(path, ident)
    wanted = {_key(t): t for t in texts}
    missing = [k for k in wanted if k not in stored]
    if missing:
        stored = {k: v for k, v in stored.items() if k in wanted}
        stored.update({k: tokenizer.tokenize(wanted[k]) for k in missing})
        try:
            _save(path, ident, stored)
        except OSError as exc:
            print(f"nia-qa: cannot write token cache {path}: {exc}", file=sys.stderr, flush=True)
    known = {wanted[k]: v for k, v in stored.items() if k in wanted}

    def tokenize(text: str) -> list[str]:
        tokens = known.get(text)
        return list(tokens) if tokens is not None else tokenizer.tokenize(text)

    return tokenize
