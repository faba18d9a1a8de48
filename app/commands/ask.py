"""`nia-qa ask`: answer one question (or a JSONL batch) with citations."""

from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ask",
        help="answer a question about the report, with section and page citations",
        description="Answer a question in Traditional Chinese or English. Prints the answer and numbered "
        "sources; --json prints the contract object; --format media prints a paste-ready reply.",
    )
    p.add_argument("question", nargs="?", help="the question (omit with --batch)")
    p.add_argument("--json", action="store_true", help="print the JSON object (see DESIGN.md)")
    p.add_argument(
        "--format", choices=["text", "json", "media"], default=None, help="output format (default text)"
    )
    p.add_argument(
        "--batch", metavar="FILE", help="JSONL with 'question' (+ optional 'id', 'lang'); '-' = stdin"
    )
    p.add_argument(
        "--history",
        metavar="Q",
        action="append",
        default=[],
        help="an earlier question of the conversation (repeatable, oldest first) for follow-ups",
    )
    p.add_argument("--answerer", choices=["extractive", "llm"], help="override NIA_QA_ANSWERER")
    p.add_argument("-k", "--top-k", type=int, dest="top_k", help="chunks handed to the answerer")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from app.input_guard import InputError
    from app.records import Turn
    from app.settings import Settings
    from ingest.errors import UserError

    fmt = "json" if args.json else (args.format or "text")
    if args.batch is None and args.question is None:
        raise UserError("give a question, or --batch FILE")
    settings = Settings().with_overrides(answerer=args.answerer, top_k=args.top_k)
    if args.question is not None and args.batch is None:
        # Validate before loading anything heavy: bad input fails fast.
        from app.input_guard import clean_question

        clean_question(args.question, settings.max_question_chars)
    from app.pipeline import build_pipeline

    pipeline = build_pipeline(settings)
    if args.batch is not None:
        return _batch(pipeline, args.batch)
    history = [Turn(question=h) for h in args.history]
    try:
        answer = pipeline.ask(args.question, history=history)
    except InputError:
        raise
    if fmt == "json":
        print(json.dumps(answer.to_json_dict(), ensure_ascii=False))
    elif fmt == "media":
        from app.formatting import media_reply

        print(media_reply(answer))
    else:
        from app.formatting import human

        print(human(answer))
    return 0


def _batch(pipeline, path: str) -> int:
    """One JSON object per input line; a bad line gets an error object, never stops the batch."""
    from app.input_guard import InputError
    from ingest.errors import UserError

    try:
        fh = sys.stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        raise UserError(f"cannot read batch file {path}: {exc.strerror}") from exc
    failures = 0
    with fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                question = item["question"]
            except (json.JSONDecodeError, KeyError, TypeError):
                print(json.dumps({"line": lineno, "error": "not a JSON object with 'question'"}))
                failures += 1
                continue
            try:
                out = pipeline.ask(question).to_json_dict()
            except InputError as exc:
                out = {"question": question, "error": str(exc)}
                failures += 1
            if "id" in item:
                out = {"id": item["id"], **out}
            print(json.dumps(out, ensure_ascii=False), flush=True)
    return 1 if failures else 0
