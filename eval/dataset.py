"""The eval set: one JSON object a line (DESIGN.md "Eval set format"), read into frozen ``EvalItem`` records.

>>> items = load_items(Path("eval/data/dev.jsonl"))   # UserError with FILE:LINE on the first bad line

``parse_lines`` yields every line's item or problem so the validator (``eval.check``)
can report all problems at once instead of stopping at the first.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal, get_args

from ingest.errors import UserError

ItemType = Literal[
    "narrative_number",
    "narrative_fact",
    "table_cell",
    "office_contact",
    "cross_lingual",
    "multi_hop",
    "unanswerable",
]
ITEM_TYPES: tuple[str, ...] = get_args(ItemType)
LANGS: tuple[str, ...] = ("zh", "en")
REQUIRED_FIELDS: tuple[str, ...] = (
    "id",
    "lang",
    "question",
    "answer",
    "must_include",
    "section_zh",
    "section_en",
    "type",
)
OPTIONAL_FIELDS: tuple[str, ...] = ("note", "history")


@dataclass(frozen=True)
class EvalItem:
    """One known fact (or a question the report cannot answer)."""

    id: str
    lang: Literal["zh", "en"]
    question: str
    answer: str
    must_include: tuple[str, ...]
    section_zh: str
    section_en: str
    type: ItemType
    note: str | None = None
    history: tuple[str, ...] = ()  # earlier questions of a follow-up item, oldest first

    @property
    def answerable(self) -> bool:
        return self.type != "unanswerable"

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["must_include"] = list(self.must_include)
        if out["note"] is None:
            del out["note"]
        if self.history:
            out["history"] = list(self.history)
        else:
            del out["history"]
        return out


def parse_item(obj: Any) -> EvalItem:
    """Validate one decoded JSON value against the schema; ``ValueError`` says what is wrong."""
    if not isinstance(obj, dict):
        raise ValueError(f"expected a JSON object, got {type(obj).__name__}")
    missing = [f for f in REQUIRED_FIELDS if f not in obj]
    if missing:
        raise ValueError(f"missing field(s): {', '.join(missing)}")
    unknown = sorted(set(obj) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS))
    if unknown:
        raise ValueError(f"unknown field(s): {', '.join(unknown)}")
    for name in ("id", "lang", "question", "answer", "section_zh", "section_en", "type"):
        if not isinstance(obj[name], str):
            raise ValueError(f"'{name}' must be a string")
    if obj.get("note") is not None and not isinstance(obj["note"], str):
        raise ValueError("'note' must be a string")
    if not obj["id"].strip():
        raise ValueError("'id' is empty")
    if not obj["question"].strip():
        raise ValueError("'question' is empty")
    if obj["lang"] not in LANGS:
        raise ValueError(f"'lang' must be one of {', '.join(LANGS)}, got {obj['lang']!r}")
    if obj["type"] not in ITEM_TYPES:
        raise ValueError(f"'type' must be one of {', '.join(ITEM_TYPES)}, got {obj['type']!r}")
    history = obj.get("history", [])
    if not isinstance(history, list) or not all(isinstance(h, str) and h.strip() for h in history):
        raise ValueError("'history' must be a list of non-empty strings")
    mi = obj["must_include"]
    if not isinstance(mi, list) or not all(isinstance(s, str) for s in mi):
        raise ValueError("'must_include' must be a list of strings")
    return EvalItem(
        id=obj["id"],
        lang=obj["lang"],
        question=obj["question"],
        answer=obj["answer"],
        must_include=tuple(mi),
        section_zh=obj["section_zh"],
        section_en=obj["section_en"],
        type=obj["type"],
        note=obj.get("note"),
        history=tuple(history),
    )


def parse_lines(path: Path) -> Iterator[tuple[int, EvalItem | None, str | None]]:
    """Yield ``(line_number, item, None)`` or ``(line_number, None, problem)`` per non-blank line."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise UserError(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise UserError(f"{path}: is a directory, expected a JSONL file") from exc
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not UTF-8 text") from exc
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield lineno, None, f"invalid JSON ({exc.msg} at column {exc.colno})"
            continue
        try:
            yield lineno, parse_item(obj), None
        except ValueError as exc:
            yield lineno, None, str(exc)


def load_items(path: Path) -> list[EvalItem]:
    """All items of a JSONL eval set; the first bad line raises ``UserError("FILE:LINE: ...")``."""
    items: list[EvalItem] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for lineno, item, problem in parse_lines(path):
        if problem is not None:
            problems.append(f"{path}:{lineno}: {problem}")
            continue
        assert item is not None
        if item.id in seen:
            problems.append(f"{path}:{lineno}: duplicate id {item.id!r} (first on line {seen[item.id]})")
            continue
        seen[item.id] = lineno
        items.append(item)
    if problems:
        more = f" (+{len(problems) - 1} more; run `nia-qa eval --check {path}`)" if len(problems) > 1 else ""
        raise UserError(problems[0] + more)
    if not items:
        raise UserError(f"{path}: no items")
    return items
