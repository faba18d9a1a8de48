"""`nia-qa ask`: answer one question (or a JSONL batch) with citations."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Iterator
from typing import Any, BinaryIO


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ask",
        help="answer a question about the report, with section and page citations",
        description="Answer a question in Traditional Chinese or English. Prints the answer and numbered "
        "sources with their quotes; --json prints the contract object (DESIGN.md); --format media prints "
        "a paste-ready reply (answer, then '資料來源：…，第N頁' / 'Source: …, p. N'); --history gives the "
        "earlier questions of a conversation for follow-ups.",
    )
    p.add_argument("question", nargs="?", help="the question (omit with --batch)")
    p.add_argument("--json", action="store_true", help="print the JSON object (see DESIGN.md)")
    p.add_argument(
        "--format",
        choices=["text", "json", "media"],
        default=None,
        help="output format: text (default), json, or media (a paste-ready reply with its source line)",
    )
    p.add_argument(
        "--with-original",
        action="store_true",
        help="with --format media: add the other language's original of the source",
    )
    p.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="show which answerer answered and why (e.g. a fallback), in text and JSON",
    )
    p.add_argument(
        "--batch",
        metavar="FILE",
        help="JSONL with 'question' (+ optional 'id', 'history': [earlier questions]); '-' = stdin",
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
    from app.records import Turn
    from app.settings import Settings
    from ingest.errors import UserError

    fmt = "json" if args.json else (args.format or "text")
    if args.batch is None and args.question is None:
        raise UserError("give a question, or --batch FILE")
    settings = Settings().with_overrides(answerer=args.answerer, top_k=args.top_k)
    if args.batch is not None:
        batch = _open_batch(args.batch)  # a missing file is noticed before the pipeline loads
    if args.question is not None and args.batch is None:
        # Validate before loading anything heavy: bad input fails fast.
        from app.input_guard import clean_question

        clean_question(args.question, settings.max_question_chars)
    from app.pipeline import build_pipeline

    with _quiet_progress_bars():
        pipeline = build_pipeline(settings)
        if args.batch is not None:
            return _batch(pipeline, batch)
        history = [Turn(question=h) for h in args.history]
        answer = pipeline.ask(args.question, history=history)
        print(render(answer, fmt, verbose=args.verbose, with_original=args.with_original, pipeline=pipeline))
    return 0


@contextlib.contextmanager
def _quiet_progress_bars() -> Iterator[None]:
    """No third-party progress bars while answering (transformers' "Loading weights" bar); build,
    eval and bench keep theirs. Restored afterwards, so nothing leaks into a caller of ``main``.

    Switched off in huggingface_hub (cheap to import), whose setting transformers copies when it is
    imported, and in transformers only if it is already loaded: importing transformers for this cost
    ~1-2 s of a cold ``ask`` that answers with the ONNX query encoder and never loads it.
    """
    try:
        from huggingface_hub import utils as hub_utils
    except ImportError:  # pragma: no cover - huggingface_hub comes with sentence-transformers
        yield
        return
    hf_logging = sys.modules.get("transformers.utils.logging")
    was_enabled = not hub_utils.are_progress_bars_disabled()
    tf_was_enabled = hf_logging.is_progress_bar_enabled() if hf_logging is not None else was_enabled
    hub_utils.disable_progress_bars()
    if hf_logging is not None:
        hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hub_utils.enable_progress_bars()
        loaded = sys.modules.get("transformers.utils.logging")
        if loaded is not None and tf_was_enabled:
            loaded.enable_progress_bar()


def json_object(answer, verbose: bool = False) -> dict:
    """The ``--json`` object: ``answerer`` is the short name; ``--verbose`` adds ``answerer_detail``."""
    from app.formatting import answerer_name

    out = answer.to_json_dict()
    out["answerer"] = answerer_name(answer)
    if verbose and answer.answerer != out["answerer"]:
        out["answerer_detail"] = answer.answerer
    return out


def render(answer, fmt: str, *, verbose: bool = False, with_original: bool = False, pipeline=None) -> str:
    """One answer in the chosen output format."""
    if fmt == "json":
        return json.dumps(json_object(answer, verbose), ensure_ascii=False)
    if fmt == "media":
        from app.formatting import media_reply
        from app.twins import TwinLookup

        twins = TwinLookup.from_pipeline(pipeline) if with_original and pipeline is not None else None
        return media_reply(answer, with_original=with_original, twins=twins)
    from app.formatting import human

    return human(answer, verbose=verbose)


def _open_batch(path: str) -> BinaryIO:
    """The batch file opened for reading bytes (stdin for '-'), or a one-line UserError."""
    from ingest.errors import UserError

    if path == "-":
        return sys.stdin.buffer
    try:
        return open(path, "rb")  # noqa: SIM115 - closed by _batch
    except IsADirectoryError:
        raise UserError(f"cannot read batch file {path}: it is a directory") from None
    except OSError as exc:
        raise UserError(f"cannot read batch file {path}: {exc.strerror}") from None


def _parse_line(raw: bytes) -> tuple[Any, str, list[str]]:
    """(id or None, question, history) of one batch line; ValueError with a one-line reason."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"line is not valid UTF-8 (bad byte at offset {exc.start})") from None
    try:
        item = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(item, dict):
        raise ValueError("not a JSON object with 'question'")
    item_id = item.get("id")
    if "question" not in item:
        raise _WithId(item_id, "missing 'question'")
    question = item["question"]
    if not isinstance(question, str):
        raise _WithId(item_id, f"'question' must be a string, not {type(question).__name__}")
    history = item.get("history", [])
    if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
        raise _WithId(item_id, "'history' must be a list of earlier questions (strings)")
    return item_id, question, history


class _WithId(ValueError):
    def __init__(self, item_id: Any, message: str) -> None:
        super().__init__(message)
        self.item_id = item_id


def _batch(pipeline, fh: BinaryIO) -> int:
    """One JSON object per input line; a bad line gets ``{"id"?, "line", "error"}``, never stops the batch.

    Bad lines: not UTF-8, not JSON, not an object, no string 'question', a question the input guard
    refuses (empty, too long, another language), or any failure while answering it.
    """
    from app.input_guard import InputError
    from app.records import Turn

    failures = 0
    with fh:
        for lineno, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            item_id: Any = None
            try:
                item_id, question, history = _parse_line(raw)
                turns = [Turn(question=h) for h in history] or None
                out = json_object(pipeline.ask(question, history=turns))
            except (ValueError, InputError) as exc:
                item_id = getattr(exc, "item_id", item_id)
                out = {"line": lineno, "error": str(exc)}
                failures += 1
            except Exception as exc:  # noqa: BLE001 - one line's failure must not lose the rest
                out = {"line": lineno, "error": f"could not answer this line ({type(exc).__name__})"}
                failures += 1
            if item_id is not None:
                out = {"id": item_id, **out}
            print(json.dumps(out, ensure_ascii=False), flush=True)
    return 1 if failures else 0
