"""`nia-qa feedback export`: the chat's thumbs up/down votes as JSONL."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "feedback",
        help="export the web chat's thumbs up/down feedback",
        description="Work with the thumbs up/down votes the web chat and POST /api/feedback stored in SQLite.",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    exp = actions.add_parser(
        "export",
        help="write the feedback rows as JSONL (question, answer, citations, vote, time)",
        description="Write every stored vote as one JSON line: question, answer, citations, vote (+1/-1), "
        "language, whether the answer abstained, source (chat/api) and time.",
    )
    exp.add_argument("--out", metavar="FILE", help="output file (default: stdout)")
    exp.add_argument("--db", metavar="FILE", help="feedback database (default NIA_QA_FEEDBACK_DB)")
    exp.set_defaults(handler=run_export)


def run_export(args: argparse.Namespace) -> int:
    import json
    import sqlite3
    import sys
    from pathlib import Path

    from app.settings import Settings
    from app.web.feedback import export_jsonl, iter_rows
    from ingest.errors import UserError

    db = Path(args.db) if args.db else Settings().feedback_db
    if not db.exists():
        raise UserError(f"no feedback database at {db} (nothing has been voted on yet)")
    try:
        if args.out:
            n = export_jsonl(db, Path(args.out))
            print(f"wrote {n} feedback rows to {args.out}", file=sys.stderr)
        else:
            for row in iter_rows(db):
                print(json.dumps(row, ensure_ascii=False))
    except sqlite3.DatabaseError as exc:
        raise UserError(f"{db} is not a readable feedback database: {exc}") from exc
    except OSError as exc:
        raise UserError(f"cannot write {args.out}: {exc.strerror}") from exc
    return 0
