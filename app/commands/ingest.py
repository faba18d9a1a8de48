"""`nia-qa ingest`: parse the report into sections, tables, offices and chunks (data/build/ingest)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ingest",
        help="parse the report into bilingual sections, tables, offices and chunks",
        description="Parse the annual report (markdown) into an aligned zh/en section tree, appendix tables, "
        "office records and retrieval chunks; write them with a manifest under the build directory.",
    )
    p.add_argument(
        "--corpus", type=Path, default=None, help="report markdown (default: settings corpus_path)"
    )
    p.add_argument("--out", type=Path, default=None, help="output directory (default: <build_dir>/ingest)")
    p.add_argument(
        "--stats", action="store_true", help="print counts (sections, TOC matches, tables, chunks)"
    )
    p.add_argument("--json", action="store_true", help="with --stats: print one JSON object")
    p.set_defaults(handler=run)


def format_summary(stats: dict, details: dict) -> str:
    """Readable multi-line summary of an ingest run."""
    s = stats
    lines = [
        f"sections      zh {s['sections']['zh']}, en {s['sections']['en']}",
        f"TOC matched   zh {s['toc_matched']['zh']}/{s['toc_entries']['zh']}, "
        f"en {s['toc_matched']['en']}/{s['toc_entries']['en']}",
        f"aligned pairs {s['aligned_pairs']}",
        f"tables        {s['tables']} ({s['table_rows']} rows, {s['table_sum_mismatches']} sum mismatches)",
        f"offices       {s['offices']}",
        f"chunks        zh {s['chunks']['zh']}, en {s['chunks']['en']}, table {s['chunks']['table']}, "
        f"office {s['chunks']['office']}",
    ]
    unaligned = details.get("unaligned") or []
    lines.append(f"unaligned     {len(unaligned)}" + (f": {', '.join(unaligned[:20])}" if unaligned else ""))
    for lang, missing in (details.get("toc_unmatched") or {}).items():
        if missing:
            lines.append(f"TOC unmatched ({lang}): {'; '.join(missing)}")
    for p in details.get("problems") or []:
        lines.append(f"problem: {p}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from app.settings import Settings
    from ingest.pipeline import print_progress, run_ingest

    settings = Settings()
    corpus = args.corpus or settings.corpus_path
    out = args.out or settings.ingest_dir
    result = run_ingest(corpus, out, progress=print_progress)
    if args.stats and args.json:
        print(json.dumps(result.stats, ensure_ascii=False))
    else:
        print(format_summary(result.stats, result.manifest.get("details", {})))
        print(f"output: {out}")
    return 0
