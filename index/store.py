"""Index persistence in ``Settings.index_dir`` with a manifest; load when current, rebuild when stale or corrupt.

>>> retriever = load_or_build(Settings())        # what the CLI, web app and eval call
>>> status = index_status(settings, ingest, embedder.model_id)   # "up to date"? (no loading)

Layout (written to a temp dir, then renamed into place, so readers never see a
half-written index)::

    index/manifest.json   corpus sha256, chunker version, chunk digest, model id, dim,
                          tokenizer version, library versions, size + sha256 of every file
    index/dense.faiss     IndexFlatIP over normalised passage vectors
    index/sparse/         bm25s arrays + vocabulary
    index/terms.json      the mined jieba user dictionary
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from index.dense import DenseIndex
from index.embed_cache import embed_passages_cached
from index.hybrid import HybridRetriever, index_text
from index.sparse import SparseIndex
from index.terms import mine_terms
from index.tokenize import TOKENIZER_VERSION, Tokenizer
from ingest.corpus import sha256_file
from ingest.records import Chunk

INDEX_FORMAT = "nia-qa-index/1"
MANIFEST = "manifest.json"
DENSE_FILE = "dense.faiss"
SPARSE_DIR = "sparse"
TERMS_FILE = "terms.json"
LOCK_FILE = ".lock-index"  # in the parent of the index directory
#: Libraries whose version changes file formats or tokens: a change rebuilds the index.
FORMAT_LIBRARIES = ("faiss-cpu", "bm25s", "jieba", "opencc", "PyStemmer")
REPORTED_LIBRARIES = (*FORMAT_LIBRARIES, "numpy", "torch", "sentence-transformers", "transformers")


class IndexCorrupt(Exception):
    """An index file is missing, truncated or does not match its manifest checksum."""


@dataclass(frozen=True)
class IndexStatus:
    up_to_date: bool
    reason: str  # "up to date", "missing", "stale: model changed ...", "corrupt: ..."

    @property
    def corrupt(self) -> bool:
        return self.reason.startswith("corrupt")


def lib_versions(names: Sequence[str] = REPORTED_LIBRARIES) -> dict[str, str]:
    out = {}
    for n in names:
        try:
            out[n] = version(n)
        except PackageNotFoundError:
            out[n] = "absent"
    return out


def chunks_digest(chunks: Sequence[Chunk]) -> str:
    """sha256 over everything retrieval depends on: ids, sections, alignment, paths, page, text."""
    h = hashlib.sha256()
    for c in chunks:
        rec = [
            c.chunk_id,
            c.section_id,
            c.kind,
            c.lang,
            c.path_zh,
            c.path_en,
            c.page,
            c.text,
            c.aligned_section_id,
        ]
        h.update(json.dumps(rec, ensure_ascii=False).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


def _sha256(path: Path) -> str:
    return sha256_file(path)


def expected_identity(ingest: Any, model_id: str) -> dict[str, Any]:
    """The manifest fields that must match for a saved index to be used."""
    manifest = getattr(ingest, "manifest", {}) or {}
    return {
        "format": INDEX_FORMAT,
        "corpus_sha256": manifest.get("corpus_sha256"),
        "chunker_version": manifest.get("chunker_version"),
        "chunks_sha256": chunks_digest(ingest.chunks),
        "n_chunks": len(ingest.chunks),
        "model_id": model_id,
        "tokenizer_code": TOKENIZER_VERSION,
        "format_libraries": lib_versions(FORMAT_LIBRARIES),
    }


def _read_manifest(index_dir: Path) -> dict[str, Any] | None:
    try:
        return json.loads((index_dir / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(f"{MANIFEST} unreadable ({exc})") from exc


def verify_files(index_dir: Path, manifest: dict[str, Any]) -> None:
    """Raise IndexCorrupt unless every file listed in the manifest exists with its size and sha256."""
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        raise IndexCorrupt("manifest lists no files")
    for rel, meta in files.items():
        p = index_dir / rel
        if not p.is_file():
            raise IndexCorrupt(f"{rel} is missing")
        size = p.stat().st_size
        if size != meta.get("size"):
            raise IndexCorrupt(f"{rel} has {size} bytes, manifest says {meta.get('size')} (truncated?)")
        if _sha256(p) != meta.get("sha256"):
            raise IndexCorrupt(f"{rel} checksum does not match the manifest")


def index_status(index_dir: Path, identity: dict[str, Any]) -> IndexStatus:
    """Whether the index in ``index_dir`` was built from exactly this ingest output and model, intact."""
    try:
        manifest = _read_manifest(index_dir)
        if manifest is None:
            return IndexStatus(False, "missing")
        changed = [k for k, v in identity.items() if manifest.get(k) != v]
        if changed:
            details = ", ".join(
                f"{k} {manifest.get(k)!r} -> {identity[k]!r}" for k in changed if k != "chunks_sha256"
            )
            names = ", ".join(changed)
            return IndexStatus(False, f"stale: {names} changed" + (f" ({details})" if details else ""))
        verify_files(index_dir, manifest)
    except IndexCorrupt as exc:
        return IndexStatus(False, f"corrupt: {exc}")
    return IndexStatus(True, "up to date")


# -- build -----------------------------------------------------------------------------------------


def _say(progress: bool, msg: str) -> None:
    if progress:
        print(msg, file=sys.stderr, flush=True)


def build_retriever(
    ingest: Any, embedder: Any, settings: Any, *, progress: bool = True
) -> tuple[HybridRetriever, dict[str, Any]]:
    """Encode, tokenize and index ``ingest.chunks`` in memory; returns the retriever and build stats."""
    chunks = list(ingest.chunks)
    if not chunks:
        raise ValueError("no chunks to index: the ingest output is empty")
    texts = [index_text(c) for c in chunks]
    t0 = time.perf_counter()
    terms = mine_terms(ingest.sections, chunks, getattr(ingest, "tables", ()), getattr(ingest, "offices", ()))
    tokenizer = Tokenizer(terms, cache_dir=Path(settings.cache_dir) / "jieba")
    tokenizer.warm_up()
    sparse = SparseIndex.build(tokenizer.tokenize_many(texts))
    t_sparse = time.perf_counter() - t0
    _say(
        progress,
        f"index: BM25 over {len(chunks)} chunks, {len(terms)} user-dictionary terms ({t_sparse:.1f}s)",
    )
    t1 = time.perf_counter()
    _say(progress, f"index: encoding {len(chunks)} chunks with {index_model_id(embedder)}")
    vectors = embed_passages_cached(
        embedder, texts, Path(settings.cache_dir) / "embeddings", progress=progress
    )
    dense = DenseIndex.build(vectors)
    t_dense = time.perf_counter() - t1
    _say(progress, f"index: FAISS IndexFlatIP, dim {dense.dim} ({t_dense:.1f}s)")
    retriever = _retriever(chunks, embedder, dense, sparse, tokenizer, settings)
    return retriever, {"sparse_s": round(t_sparse, 3), "dense_s": round(t_dense, 3)}


def _retriever(
    chunks: Sequence[Chunk], embedder: Any, dense: Any, sparse: Any, tokenizer: Any, settings: Any
) -> HybridRetriever:
    """The retriever over built or loaded parts, tuned by the settings (one place for both paths)."""
    return HybridRetriever(
        chunks,
        embedder,
        dense,
        sparse,
        tokenizer,
        rrf_k=settings.rrf_k,
        candidates=getattr(settings, "retrieval_candidates", 40),
        sibling_weight=getattr(settings, "sibling_weight", 0.5),
    )


def save_index(
    retriever: HybridRetriever, index_dir: Path, identity: dict[str, Any], stats: dict[str, Any]
) -> None:
    """Write the index to a temp dir beside ``index_dir`` and rename it into place."""
    index_dir = Path(index_dir)
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = index_dir.parent / f".{index_dir.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        retriever.dense.save(tmp / DENSE_FILE)
        retriever.sparse.save(tmp / SPARSE_DIR)
        (tmp / TERMS_FILE).write_text(
            json.dumps({"terms": list(retriever.tokenizer.terms)}, ensure_ascii=False, indent=0),
            encoding="utf-8",
        )
        files = {
            str(p.relative_to(tmp)): {"size": p.stat().st_size, "sha256": _sha256(p)}
            for p in sorted(tmp.rglob("*"))
            if p.is_file()
        }
        manifest = {
            **identity,
            "dim": retriever.dense.dim,
            "tokenizer_version": retriever.tokenizer.version,
            "libraries": lib_versions(),
            "model": getattr(retriever.embedder, "fingerprint", None),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "build_stats": stats,
            "files": files,
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        old = None
        if index_dir.exists():
            old = index_dir.parent / f".{index_dir.name}.old-{os.getpid()}-{uuid.uuid4().hex[:8]}"
            os.rename(index_dir, old)
        os.rename(tmp, index_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def load_retriever(index_dir: Path, ingest: Any, embedder: Any, settings: Any) -> HybridRetriever:
    """Load a saved index (checksums verified) over ``ingest.chunks``; raises IndexCorrupt."""
    index_dir = Path(index_dir)
    manifest = _read_manifest(index_dir)
    if manifest is None:
        raise IndexCorrupt(f"{MANIFEST} is missing")
    verify_files(index_dir, manifest)
    chunks = list(ingest.chunks)
    try:
        terms = json.loads((index_dir / TERMS_FILE).read_text(encoding="utf-8"))["terms"]
        dense = DenseIndex.load(index_dir / DENSE_FILE)
        sparse = SparseIndex.load(index_dir / SPARSE_DIR, n_docs=len(chunks))
    except Exception as exc:  # any library error reading our own files means a bad index
        raise IndexCorrupt(f"cannot read index files ({type(exc).__name__}: {exc})") from exc
    if dense.dim != manifest.get("dim") or len(dense) != len(chunks):
        raise IndexCorrupt(
            f"{DENSE_FILE} has {len(dense)} vectors of dim {dense.dim}, expected {len(chunks)}"
        )
    tokenizer = Tokenizer(terms, cache_dir=Path(settings.cache_dir) / "jieba")
    return _retriever(chunks, embedder, dense, sparse, tokenizer, settings)


# -- the entry points -------------------------------------------------------------------------------


def index_model_id(embedder: Any) -> str:
    """The model id an index records for ``embedder`` (includes its quantisation when it has one)."""
    return str(getattr(embedder, "index_model_id", embedder.model_id))


def _ingest(settings: Any, progress: bool) -> Any:
    from ingest.pipeline import ensure_ingest

    return ensure_ingest(
        settings.corpus_path, settings.ingest_dir, progress=(lambda m: _say(True, m)) if progress else None
    )


def _embedder(settings: Any) -> Any:
    from index.embedder import Embedder

    return Embedder(settings)


def _prepare_query_encoder(embedder: Any) -> None:
    """Export the embedder's ONNX query encoder if it has one and it is missing (cheap when present)."""
    prepare = getattr(embedder, "prepare_query_encoder", None)
    if callable(prepare):
        prepare()


@dataclass(frozen=True)
class BuildOutcome:
    retriever: HybridRetriever | None  # None when nothing was built and nothing was loaded
    built: bool
    status_before: IndexStatus
    seconds: float


def ensure_index(
    settings: Any,
    *,
    progress: bool = True,
    ingest: Any = None,
    embedder: Any = None,
    load: bool = True,
    force: bool = False,
) -> BuildOutcome:
    """Build and save the index unless it is up to date; with ``load=False`` an up-to-date index is not loaded.

    One builder at a time: the check and the build run under an exclusive lock beside the index
    (``.lock-index``), so a second process waits and then finds the index built. ``force`` rebuilds.
    """
    from ingest.lock import build_lock

    t0 = time.perf_counter()
    ingest = ingest if ingest is not None else _ingest(settings, progress)
    embedder = embedder if embedder is not None else _embedder(settings)
    index_dir = Path(settings.index_dir)
    with build_lock(index_dir.parent / LOCK_FILE):
        return _ensure_locked(settings, index_dir, ingest, embedder, progress, load, force, t0)


def _ensure_locked(
    settings: Any,
    index_dir: Path,
    ingest: Any,
    embedder: Any,
    progress: bool,
    load: bool,
    force: bool,
    t0: float,
) -> BuildOutcome:
    identity = expected_identity(ingest, index_model_id(embedder))
    status = IndexStatus(False, "forced") if force else index_status(index_dir, identity)
    _prepare_query_encoder(embedder)
    if status.up_to_date:
        if not load:
            return BuildOutcome(None, False, status, time.perf_counter() - t0)
        try:
            retriever = load_retriever(index_dir, ingest, embedder, settings)
            return BuildOutcome(retriever, False, status, time.perf_counter() - t0)
        except IndexCorrupt as exc:
            status = IndexStatus(False, f"corrupt: {exc}")
    if status.corrupt:
        print(f"nia-qa: index at {index_dir} is corrupt ({status.reason[9:]}); rebuilding", file=sys.stderr)
    elif status.reason not in ("missing", "forced"):
        _say(progress, f"index: {status.reason}; rebuilding")
    retriever, stats = build_retriever(ingest, embedder, settings, progress=progress)
    save_index(retriever, index_dir, identity, stats)
    return BuildOutcome(retriever, True, status, time.perf_counter() - t0)


def load_or_build(
    settings: Any, progress: bool = True, *, ingest: Any = None, embedder: Any = None
) -> HybridRetriever:
    """The retriever for ``settings``: loaded when current and intact, otherwise rebuilt and saved."""
    outcome = ensure_index(settings, progress=progress, ingest=ingest, embedder=embedder, load=True)
    assert outcome.retriever is not None
    return outcome.retriever
