"""Persistent passage-embedding cache: a second index build of the same chunks with the same model does not re-encode.

>>> vecs = embed_passages_cached(embedder, texts, settings.cache_dir / "embeddings")

One ``.npz`` file per model fingerprint (model id, quantisation, weight checksums, prompts,
library versions) under ``<cache_dir>/embeddings/``, holding the sha256 of each passage text
(prompt excluded: the prompt is part of the fingerprint) and its vector. Written to a temp
file and renamed, so readers never see half a file; a writer re-reads and merges under a lock
file (``.<name>.lock``), so processes adding texts at the same time keep each other's; an
unreadable or inconsistent file is ignored with a one-line warning and replaced by the next write. With int8 quantisation a
vector moves slightly with its batch-mates (cosine >= 0.99), so texts encoded in a later,
partial build may differ in the 3rd decimal from a full cold build; identical texts and
model give identical cached vectors.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import uuid
from collections.abc import Iterator, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

CACHE_FORMAT = "nia-qa-embeddings/1"
MAX_ROWS = 50_000  # older entries (other corpus versions) are dropped beyond this


def text_key(text: str) -> bytes:
    """The 32-byte sha256 of a passage text (UTF-8)."""
    return hashlib.sha256(text.encode("utf-8")).digest()


def _versions(*names: str) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in names:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def cache_file(cache_dir: Path, embedder: Any) -> Path | None:
    """The cache file for ``embedder``'s vectors, or None when it has no fingerprint (e.g. test fakes)."""
    fingerprint = getattr(embedder, "fingerprint", None)
    if not isinstance(fingerprint, dict):
        return None
    ident = {
        "format": CACHE_FORMAT,
        **fingerprint,
        "prompts": getattr(embedder, "prompts", None),
        "max_seq_length": getattr(embedder, "max_seq_length", None),
        "libraries": _versions("torch", "sentence-transformers", "transformers"),
    }
    folder = getattr(embedder, "folder", None)
    if folder is not None and "source_sha256" not in fingerprint:
        # a local folder without a conversion manifest: its weight files stand for the weights
        ident["weights"] = sorted(
            (p.name, p.stat().st_size, p.stat().st_mtime_ns)
            for p in Path(folder).glob("*")
            if p.suffix in (".safetensors", ".bin")
        )
    digest = hashlib.sha256(json.dumps(ident, sort_keys=True, default=str).encode()).hexdigest()[:24]
    return Path(cache_dir) / f"{digest}.npz"


def _warn(path: Path, why: str) -> None:
    print(f"nia-qa: ignoring embedding cache {path} ({why})", file=sys.stderr, flush=True)


def load_cache(path: Path, dim: int, *, warn: bool = True) -> dict[bytes, np.ndarray]:
    """Text key -> vector from ``path``; empty (with a one-line warning) when it is unreadable or inconsistent."""
    if not path.is_file():
        return {}
    say = _warn if warn else (lambda _path, _why: None)
    try:
        with np.load(path, allow_pickle=False) as data:
            keys = np.asarray(data["keys"])
            vectors = np.asarray(data["vectors"])
    except Exception as exc:  # zip/npy errors of any kind mean a damaged file
        say(path, f"unreadable: {type(exc).__name__}")
        return {}
    if keys.dtype != np.dtype("S32") or vectors.dtype != np.float32 or vectors.ndim != 2:
        say(path, "unexpected arrays")
        return {}
    if vectors.shape != (len(keys), dim):
        say(path, f"shape {vectors.shape}, expected ({len(keys)}, {dim})")
        return {}
    if len(keys) and not np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3):
        say(path, "vectors are not unit length")
        return {}
    # the raw 32 bytes of each key: ``bytes(np.bytes_)`` strips trailing NULs, so a digest ending in
    # 0x00 (1 text in 256) came back as 31 bytes and was never found (re-encoded on every load)
    raw = keys.tobytes()
    return {raw[i * 32 : (i + 1) * 32]: v for i, v in enumerate(vectors)}


def save_cache(path: Path, entries: dict[bytes, np.ndarray]) -> None:
    """Write ``entries`` (newest last; at most ``MAX_ROWS``) to ``path`` atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    items = list(entries.items())[-MAX_ROWS:]
    keys = np.array([k for k, _ in items], dtype="S32")
    vectors = np.stack([v for _, v in items]).astype(np.float32) if items else np.zeros((0, 0), np.float32)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}.npz")
    try:
        np.savez(tmp, keys=keys, vectors=vectors)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``<path>.lock`` for a read-merge-write of the cache file."""
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f".{path.name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def embed_passages_cached(
    embedder: Any, texts: Sequence[str], cache_dir: Path, *, progress: bool = True
) -> np.ndarray:
    """``embedder.embed_passages(texts)``, encoding only texts not already in the cache, then updating it.

    Embedders without a ``fingerprint`` are not cached. A cache that cannot be written is
    reported on stderr and the vectors are returned anyway.
    """
    path = cache_file(cache_dir, embedder)
    if path is None:
        return embedder.embed_passages(texts, progress=progress)
    dim = int(embedder.dim)
    cached = load_cache(path, dim)
    keys = [text_key(t) for t in texts]
    todo: dict[bytes, int] = {}  # key -> first index of a text to encode
    for i, k in enumerate(keys):
        if k not in cached:
            todo.setdefault(k, i)
    if todo:
        fresh = embedder.embed_passages([texts[i] for i in todo.values()], progress=progress)
        new = dict(zip(todo, np.asarray(fresh, dtype=np.float32), strict=True))
        current = set(keys)
        try:
            with _locked(path):
                # re-read under the lock: another process (a build, a server worker) may have added
                # its texts since we read; writing our stale copy back would drop them
                cached = load_cache(path, dim, warn=False) or cached
                # other texts first, then this build's: the MAX_ROWS cap drops the oldest
                entries = {k: v for k, v in cached.items() if k not in current}
                entries |= {k: cached[k] for k in keys if k in cached} | new
                save_cache(path, entries)
        except OSError as exc:
            print(f"nia-qa: cannot write embedding cache {path}: {exc}", file=sys.stderr, flush=True)
            entries = cached | new
        cached = entries
    if progress:
        print(
            f"index: {len(texts) - len(todo)} of {len(texts)} passage vectors from the embedding cache",
            file=sys.stderr,
            flush=True,
        )
    out = np.empty((len(texts), dim), dtype=np.float32)
    for i, k in enumerate(keys):
        out[i] = cached[k]
    return out
